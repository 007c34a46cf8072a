import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createUndiciFetcher } from './undici-fetcher.js';

describe('undici fetcher', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<Socket>();
  let opened = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const status = req.url === '/fail' ? 503 : 200;
        res.writeHead(status, { 'content-type': 'application/json', 'x-seen': req.headers['x-probe'] ?? '' });
        res.end(JSON.stringify({ echo: body ? JSON.parse(body) : null }));
      });
    });
    server.on('connection', (socket: Socket) => {
      opened += 1;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    // Announced as `Keep-Alive: timeout=3`: undici retires idle sockets before the server would.
    server.keepAliveTimeout = 3000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test('posts, and answers status, headers and body as RemoteGraphQLDataSource reads them', async () => {
    const { fetcher, close } = createUndiciFetcher({ connections: 2 });
    try {
      const response = await fetcher(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-probe': 'yes' },
        body: JSON.stringify({ query: '{ a }' }),
      });
      expect(response.ok).toBe(true);
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('application/json');
      expect(response.headers.get('x-seen')).toBe('yes');
      expect(await response.json()).toEqual({ echo: { query: '{ a }' } });
      const failed = await fetcher(`${url}/fail`, { method: 'POST', body: '{}' });
      expect(failed.ok).toBe(false);
      expect(failed.status).toBe(503);
      expect(await failed.text()).toBe('{"echo":{}}');
    } finally {
      await close();
    }
  });

  test('a burst shares a bounded number of sockets; idle ones are retired before the server closes them', async () => {
    const { fetcher, close } = createUndiciFetcher({ connections: 4 });
    try {
      const before = opened;
      const burst = await Promise.all(
        Array.from({ length: 200 }, (_, i) => fetcher(url, { method: 'POST', body: JSON.stringify({ i }) })),
      );
      expect(burst.every((response) => response.status === 200)).toBe(true);
      expect(opened - before).toBeLessThanOrEqual(4);
      // Idle sockets are retired (within the server's keep-alive timeout); later calls open fresh ones.
      const deadline = Date.now() + 5000;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(sockets.size).toBe(0);
      const after = await Promise.all(Array.from({ length: 20 }, () => fetcher(url, { method: 'POST', body: '1' })));
      expect(after.map((response) => response.status)).toEqual(Array(20).fill(200));
    } finally {
      await close();
    }
  });
});
