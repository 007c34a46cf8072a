import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

/**
 * A local server speaking OpenAI's streaming chat-completions wire protocol
 * (`POST /v1/chat/completions`, SSE `data:` lines, a usage chunk, `data: [DONE]`), scriptable
 * per test so the real `openai` SDK can be driven through errors, cuts and hangs.
 */

export type Behaviour =
  /** A normal streamed reply: a role chunk, one chunk per token, a finish chunk, usage, [DONE]. */
  | { kind: 'reply'; tokens: string[]; delayMs?: number; finishReason?: string }
  /** Fail the next `times` requests (default 1) with this status and an OpenAI-style error body. */
  | { kind: 'status'; status: 400 | 401 | 404 | 429 | 500 | 503; times?: number; retryAfterMs?: number }
  /** Send `after` tokens, then destroy the socket: no finish_reason, no [DONE]. */
  | { kind: 'cut'; after: number; tokens?: string[]; delayMs?: number }
  /** Accept the request and never answer (with `headers: true`, after sending the SSE headers). */
  | { kind: 'hang'; headers?: boolean }
  /** Send `tokens` tokens, then nothing more, keeping the connection open. */
  | { kind: 'hang-after'; tokens: number; delayMs?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it did not parse). */
  body: ChatCompletionBody | undefined;
}

export interface ChatCompletionBody {
  model?: string;
  messages?: { role: string; content: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

const DEFAULT_TOKENS = ['Hello', ' from', ' the', ' test', ' server', '.'];
const FILLER_TOKENS = ['Lorem', ' ipsum', ' dolor', ' sit', ' amet', ' consectetur', ' adipiscing', ' elit'];

const ERROR_BODIES: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  401: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { message: 'Not found.', type: 'invalid_request_error', code: 'unknown_url' },
  429: { message: 'Rate limit reached for requests.', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
};

export class OpenAiTestServer {
  readonly requests: RecordedRequest[] = [];
  /** Requests whose connection the client closed before the response finished. */
  closedByClient = 0;
  /** Responses that ended normally. */
  completed = 0;

  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly queue: { behaviour: Behaviour; remaining: number }[] = [];
  private defaultBehaviour: Behaviour = { kind: 'reply', tokens: DEFAULT_TOKENS };
  private readonly waiters: (() => void)[] = [];
  private stopping = false;

  constructor(readonly apiKey = 'sk-test-local-0123456789') {}

  /** The base URL to give the SDK (`baseURL`). */
  get baseURL(): string {
    if (!this.server) throw new Error('OpenAiTestServer is not started');
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

  /** Queue behaviours for the next requests, in order; after them the default applies. */
  script(...behaviours: Behaviour[]): this {
    for (const behaviour of behaviours) {
      const remaining = behaviour.kind === 'status' ? (behaviour.times ?? 1) : 1;
      this.queue.push({ behaviour, remaining });
    }
    return this;
  }

  /** What every request gets once the script is used up. */
  setDefault(behaviour: Behaviour): this {
    this.defaultBehaviour = behaviour;
    return this;
  }

  /** Forget the script, the recorded requests and the counters. */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.closedByClient = 0;
    this.completed = 0;
    this.defaultBehaviour = { kind: 'reply', tokens: DEFAULT_TOKENS };
  }

  /** Close events arrive a moment after the client aborts: wait for them. */
  async waitForClosedByClient(count = 1, timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.closedByClient < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} client-closed request(s), saw ${this.closedByClient}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private next(): Behaviour {
    const head = this.queue[0];
    if (!head) return this.defaultBehaviour;
    head.remaining -= 1;
    if (head.remaining <= 0) this.queue.shift();
    return head.behaviour;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let finished = false;
    let serverClosed = false;
    res.on('finish', () => {
      finished = true;
    });
    // The response's close before it finished, not caused by us, is the client hanging up.
    res.on('close', () => {
      if (!finished && !serverClosed && !this.stopping) {
        this.closedByClient += 1;
        this.notify();
      }
    });
    const gone = () => res.destroyed || finished;

    const raw = await readBody(req);
    let body: ChatCompletionBody | undefined;
    try {
      body = raw ? (JSON.parse(raw) as ChatCompletionBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });

    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      // Like the real API, the message names the (masked) key it got; a client must not pass it on.
      const given = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      sendError(res, 401, `Incorrect API key provided: ${mask(given)}.`);
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendError(res, 404, `Unknown request URL: ${req.method} ${path}.`);
      return;
    }
    if (!body || !Array.isArray(body.messages)) {
      sendError(res, 400, "Missing required parameter: 'messages'.");
      return;
    }

    const behaviour = this.next();
    if (behaviour.kind === 'status') {
      const headers: Record<string, string> = {};
      if (behaviour.retryAfterMs !== undefined) headers['retry-after-ms'] = String(behaviour.retryAfterMs);
      sendError(res, behaviour.status, undefined, headers);
      return;
    }
    if (behaviour.kind === 'hang') {
      if (behaviour.headers) startEventStream(res);
      return;
    }

    const id = `chatcmpl-test${this.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'gpt-test';
    const tokens =
      behaviour.kind === 'reply'
        ? behaviour.tokens
        : behaviour.kind === 'cut'
          ? (behaviour.tokens ?? FILLER_TOKENS).slice(0, behaviour.after)
          : FILLER_TOKENS.slice(0, behaviour.tokens);
    const delayMs = behaviour.delayMs ?? 0;
    const promptTokens = countWords(body.messages.map((message) => String(message.content ?? '')).join(' '));

    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: tokens.join(''), refusal: null },
              finish_reason: behaviour.kind === 'reply' ? (behaviour.finishReason ?? 'stop') : 'stop',
              logprobs: null,
            },
          ],
          usage: usage(promptTokens, tokens.length),
        }),
      );
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], usageValue?: unknown) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: null,
        choices,
        // With include_usage every chunk carries `usage: null` except the last one.
        ...(includeUsage ? { usage: usageValue ?? null } : {}),
      })}\n\n`;
    const delta = (content: string) => chunk([{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]);

    startEventStream(res);
    res.write(
      chunk([
        { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
      ]),
    );
    for (const token of tokens) {
      if (delayMs > 0) await sleep(delayMs);
      if (gone()) return;
      res.write(delta(token));
    }
    if (behaviour.kind === 'cut') {
      // Let the written tokens reach the client, then drop the connection mid-body.
      await sleep(20);
      serverClosed = true;
      res.socket?.destroy();
      return;
    }
    if (behaviour.kind === 'hang-after') return;

    if (delayMs > 0) await sleep(delayMs);
    if (gone()) return;
    res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: behaviour.finishReason ?? 'stop' }]));
    if (includeUsage) res.write(chunk([], usage(promptTokens, tokens.length)));
    res.write('data: [DONE]\n\n');
    res.end();
    this.completed += 1;
  }
}

function startEventStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

function sendError(res: ServerResponse, status: number, message?: string, headers: Record<string, string> = {}) {
  const base = ERROR_BODIES[status] ?? { message: 'Error.', type: 'server_error', code: null };
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { ...base, message: message ?? base.message, param: null } }));
}

function usage(prompt: number, completion: number) {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function mask(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
