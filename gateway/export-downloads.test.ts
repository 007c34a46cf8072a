import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../platform/logger.js';
import { exportDownloads } from './export-downloads.js';

/** A server standing in for the users service, and a gateway-like one in front of it. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('gateway: export downloads forwarded to the users service', () => {
  const seen: { url?: string; method?: string; headers?: Record<string, unknown> }[] = [];
  const users = createServer((req, res) => {
    seen.push({ url: req.url, method: req.method, headers: req.headers });
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': 'attachment; filename="x.json"',
      'set-cookie': 'leak=1',
    });
    res.end('{"format":"x"}');
  });
  let usersUrl: string | undefined;
  const forward = exportDownloads({ usersUrl: () => usersUrl, logger: createLogger('test', 'silent') });
  const gateway = createServer((req, res) => {
    void forward(req, res, new URL(req.url ?? '/', 'http://x').pathname).then((answered) => {
      if (!answered) res.writeHead(404).end('web app');
    });
  });
  let origin = '';

  beforeAll(async () => {
    usersUrl = `${await listen(users)}/graphql`;
    origin = await listen(gateway);
  });
  afterAll(async () => {
    await new Promise((resolve) => gateway.close(resolve));
    await new Promise((resolve) => users.close(resolve));
  });

  test('GET /exports/* goes through with its query and only the answer headers that matter', async () => {
    const response = await fetch(`${origin}/exports/abc?expires=1&signature=ff`, {
      headers: { authorization: 'Bearer secret', 'x-request-id': 'req-12345678' },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"format":"x"}');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="x.json"');
    expect(response.headers.get('set-cookie')).toBeNull();
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ url: '/exports/abc?expires=1&signature=ff', method: 'GET' });
    expect(request.headers).toMatchObject({ 'x-request-id': 'req-12345678' });
    expect(request.headers!.authorization).toBeUndefined();
  });

  test('other paths are left to the web app; other methods are refused here', async () => {
    expect((await fetch(`${origin}/export`)).status).toBe(404);
    const before = seen.length;
    const post = await fetch(`${origin}/exports/abc`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(seen.length).toBe(before);
  });

  test('users unreachable: a JSON 502', async () => {
    const saved = usersUrl;
    usersUrl = 'http://127.0.0.1:1/graphql';
    try {
      const response = await fetch(`${origin}/exports/abc?expires=1&signature=ff`);
      expect(response.status).toBe(502);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      usersUrl = saved;
    }
  });
});
