import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

/**
 * A local server speaking Azure AI Content Safety's REST protocol
 * (`POST /contentsafety/text:analyze|image:analyze?api-version=2024-09-01`, key in
 * `Ocp-Apim-Subscription-Key`, answers `{categoriesAnalysis: [{category, severity}]}`), scriptable
 * per test: normal answers, slow answers, hangs, error statuses, malformed bodies, cut connections.
 * Loopback only.
 */

export type Severities = Partial<Record<'Hate' | 'SelfHarm' | 'Sexual' | 'Violence', number>>;

export type ContentSafetyBehaviour =
  /** A normal answer; categories not given get severity 0. */
  | { kind: 'analyze'; severities?: Severities; delayMs?: number }
  /** Answer this status with Azure's error body, `times` times (default 1). */
  | { kind: 'status'; status: 400 | 401 | 403 | 404 | 429 | 500 | 503; times?: number }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Answer 200 with this body as it is (not JSON, or JSON of the wrong shape). */
  | { kind: 'malformed'; body: string; contentType?: string }
  /** Destroy the connection without an answer. */
  | { kind: 'cut' };

export interface ContentSafetyRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  headers: IncomingHttpHeaders;
  body: AnalyzeBody | undefined;
}

export interface AnalyzeBody {
  text?: string;
  image?: { content?: string; blobUrl?: string };
  categories?: string[];
  outputType?: string;
  [key: string]: unknown;
}

export const API_VERSION = '2024-09-01';
const CATEGORIES = ['Hate', 'SelfHarm', 'Sexual', 'Violence'] as const;
const ERROR_CODES: Record<number, string> = {
  400: 'InvalidRequestBody',
  401: '401',
  403: 'Forbidden',
  404: 'NotFound',
  429: '429',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

export class ContentSafetyTestServer {
  readonly requests: ContentSafetyRequest[] = [];
  /** Requests whose connection the client closed before an answer. */
  closedByClient = 0;

  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly queue: { behaviour: ContentSafetyBehaviour; remaining: number }[] = [];
  private defaultBehaviour: ContentSafetyBehaviour = { kind: 'analyze' };
  private stopping = false;

  constructor(readonly key = 'azure-test-key-0123456789abcdef') {}

  /** What to configure as AZURE_CONTENT_SAFETY_ENDPOINT. */
  get endpoint(): string {
    if (!this.server) throw new Error('ContentSafetyTestServer is not started');
    return `http://127.0.0.1:${this.port}`;
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

  /** Queue behaviours for the next requests, in order; then the default applies. */
  script(...behaviours: ContentSafetyBehaviour[]): this {
    for (const behaviour of behaviours) {
      this.queue.push({ behaviour, remaining: behaviour.kind === 'status' ? (behaviour.times ?? 1) : 1 });
    }
    return this;
  }

  setDefault(behaviour: ContentSafetyBehaviour): this {
    this.defaultBehaviour = behaviour;
    return this;
  }

  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.closedByClient = 0;
    this.defaultBehaviour = { kind: 'analyze' };
  }

  /** The client's hang-up arrives a moment after it aborts: poll for it with a deadline. */
  async waitForClosedByClient(count = 1, timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.closedByClient < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} client-closed request(s), saw ${this.closedByClient}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private next(): ContentSafetyBehaviour {
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
    let body: AnalyzeBody | undefined;
    try {
      body = raw ? (JSON.parse(raw) as AnalyzeBody) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const apiVersion = url.searchParams.get('api-version');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, apiVersion, headers: req.headers, body });

    if (req.headers['ocp-apim-subscription-key'] !== this.key) {
      return sendError(
        res,
        401,
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      );
    }
    const what =
      url.pathname === '/contentsafety/text:analyze'
        ? 'text'
        : url.pathname === '/contentsafety/image:analyze'
          ? 'image'
          : undefined;
    if (req.method !== 'POST' || !what) return sendError(res, 404, 'Resource not found.');
    if (apiVersion !== API_VERSION)
      return sendError(res, 404, `The api-version '${apiVersion}' is not supported.`, 'UnsupportedApiVersion');
    if (!body) return sendError(res, 400, 'The request body is not valid JSON.');
    if (what === 'text' && (typeof body.text !== 'string' || body.text.length === 0 || body.text.length > 10_000)) {
      return sendError(res, 400, 'The text must be 1 to 10000 characters.');
    }
    if (what === 'image' && !body.image?.content && !body.image?.blobUrl) {
      return sendError(res, 400, 'Either image.content or image.blobUrl is required.');
    }

    const behaviour = this.next();
    switch (behaviour.kind) {
      case 'status':
        return sendError(res, behaviour.status, `Scripted ${behaviour.status}.`);
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
      case 'analyze': {
        if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
        if (res.destroyed) return;
        const wanted = body.categories?.length ? CATEGORIES.filter((c) => body.categories!.includes(c)) : CATEGORIES;
        const categoriesAnalysis = wanted.map((category) => ({
          category,
          severity: behaviour.severities?.[category] ?? 0,
        }));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(what === 'text' ? { blocklistsMatch: [], categoriesAnalysis } : { categoriesAnalysis }));
        answered = true;
        return;
      }
    }
  }
}

function sendError(res: ServerResponse, status: number, message: string, code = ERROR_CODES[status] ?? 'Error'): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code, message } }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
