import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

/**
 * A local server speaking OpenAI's moderation protocol (`POST /v1/moderations` with
 * `{model, input}` → `{id, model, results: [{flagged, categories, category_scores,
 * category_applied_input_types}]}`), scriptable per test so the real `openai` SDK meets normal
 * answers, slow answers, hangs, error statuses, malformed bodies and cut connections. Loopback only.
 */

export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;
export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

export type ModerationBehaviour =
  /** A normal answer: unlisted categories score 0.0001; `flagged` defaults to any score ≥ 0.5. */
  | { kind: 'scores'; scores?: Partial<Record<ModerationCategory, number>>; flagged?: boolean; delayMs?: number }
  /** This status with OpenAI's error body, `times` times (default 1). */
  | { kind: 'status'; status: 400 | 401 | 404 | 429 | 500 | 503; times?: number; retryAfterMs?: number }
  | { kind: 'hang' }
  /** 200 with this body as it is. */
  | { kind: 'malformed'; body: string; contentType?: string }
  | { kind: 'cut' };

export interface ModerationRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: { model?: string; input?: unknown } | undefined;
}

const ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  401: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { message: 'Not found.', type: 'invalid_request_error', code: 'unknown_url' },
  429: { message: 'Rate limit reached for requests.', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
};

export class OpenAiModerationTestServer {
  readonly requests: ModerationRequest[] = [];
  closedByClient = 0;

  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly queue: { behaviour: ModerationBehaviour; remaining: number }[] = [];
  private defaultBehaviour: ModerationBehaviour = { kind: 'scores' };
  private stopping = false;

  constructor(readonly apiKey = 'sk-test-moderation-0123456789') {}

  /** The SDK's `baseURL` (MODERATION_OPENAI_BASE_URL). */
  get baseURL(): string {
    if (!this.server) throw new Error('OpenAiModerationTestServer is not started');
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<this> {
    this.stopping = false;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  script(...behaviours: ModerationBehaviour[]): this {
    for (const behaviour of behaviours) {
      this.queue.push({ behaviour, remaining: behaviour.kind === 'status' ? (behaviour.times ?? 1) : 1 });
    }
    return this;
  }

  setDefault(behaviour: ModerationBehaviour): this {
    this.defaultBehaviour = behaviour;
    return this;
  }

  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.closedByClient = 0;
    this.defaultBehaviour = { kind: 'scores' };
  }

  async waitForClosedByClient(count = 1, timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.closedByClient < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} client-closed request(s), saw ${this.closedByClient}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private next(): ModerationBehaviour {
    const head = this.queue[0];
    if (!head) return this.defaultBehaviour;
    if (--head.remaining <= 0) this.queue.shift();
    return head.behaviour;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answered = false;
    res.on('finish', () => (answered = true));
    res.on('close', () => {
      if (!answered && !this.stopping && !res.writableEnded) this.closedByClient += 1;
    });

    const raw = await readBody(req);
    let body: ModerationRequest['body'];
    try {
      body = raw ? (JSON.parse(raw) as ModerationRequest['body']) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });

    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.');
    }
    if (req.method !== 'POST' || path !== '/v1/moderations') {
      return sendError(res, 404, `Unknown request URL: ${req.method} ${path}.`);
    }
    const input = body?.input;
    const inputs = typeof input === 'string' ? 1 : Array.isArray(input) && input.length > 0 ? input : undefined;
    if (!inputs) return sendError(res, 400, "Missing required parameter: 'input'.");
    // A list of strings gets one result each; a multimodal list is judged as one input.
    const results = Array.isArray(inputs) && inputs.every((item) => typeof item === 'string') ? inputs.length : 1;

    const behaviour = this.next();
    switch (behaviour.kind) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (behaviour.retryAfterMs !== undefined) headers['retry-after-ms'] = String(behaviour.retryAfterMs);
        return sendError(res, behaviour.status, undefined, headers);
      }
      case 'hang':
        return;
      case 'cut':
        answered = true; // our hang-up, not the client's
        res.socket?.destroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': behaviour.contentType ?? 'application/json' });
        res.end(behaviour.body);
        answered = true;
        return;
      case 'scores': {
        if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
        if (res.destroyed) return;
        const scores = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, behaviour.scores?.[c] ?? 0.0001]));
        const categories = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, scores[c]! >= 0.5]));
        const applied = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, ['text']]));
        const result = {
          flagged: behaviour.flagged ?? Object.values(categories).some(Boolean),
          categories,
          category_scores: scores,
          category_applied_input_types: applied,
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `modr-test${this.requests.length}`,
            model: body?.model ?? 'omni-moderation-latest',
            results: Array.from({ length: results }, () => result),
          }),
        );
        answered = true;
        return;
      }
    }
  }
}

function sendError(res: ServerResponse, status: number, message?: string, headers: Record<string, string> = {}): void {
  const base = ERRORS[status] ?? { message: 'Error.', type: 'server_error', code: null };
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { ...base, message: message ?? base.message, param: null } }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
