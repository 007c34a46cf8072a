// Typed client for the NexusAI graph, shared by tests, benchmarks and the CLIs.
// Documents come from clients/generated/graphql.ts, so results and variables are typed end to end.
import { Kind, print, type DocumentNode, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export type { TypedDocumentNode };

/** A typed document from codegen, or raw query text (handy for tests that send broken queries). */
export type DocumentInput<TResult, TVars> = TypedDocumentNode<TResult, TVars> | string;

export type GraphResponse<TResult> = FormattedExecutionResult<TResult, Record<string, unknown>>;

export interface GraphClientOptions {
  /** The gateway's HTTP endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** Access token sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  /** Per-request headers; they override the client's, including Authorization. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RawResponse<TResult> {
  status: number;
  headers: Headers;
  body: GraphResponse<TResult>;
}

/** The request failed: GraphQL errors in the body, a non-2xx status, or a rejected WebSocket. */
export class GraphError extends Error {
  override name = 'GraphError';
  /** The GraphQL errors, as the server sent them. */
  readonly errors: readonly GraphQLFormattedError[];
  /** `extensions.code` of the first error, e.g. UNAUTHENTICATED. */
  readonly code: string | undefined;
  /** HTTP status; undefined for WebSocket failures. */
  readonly status: number | undefined;
  /** Partial data, when the server returned some alongside the errors. */
  readonly data: unknown;
  /** WebSocket close code (e.g. 4403) when the socket was closed on us. */
  readonly closeCode: number | undefined;

  constructor(
    errors: readonly GraphQLFormattedError[],
    details: { status?: number; data?: unknown; closeCode?: number } = {},
  ) {
    const first = errors[0];
    const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
    const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
    super(`${code ? `${code}: ` : ''}${first?.message ?? `HTTP ${details.status ?? '?'}`}${more}`);
    this.errors = errors;
    this.code = code;
    this.status = details.status;
    this.data = details.data;
    this.closeCode = details.closeCode;
  }
}

interface PreparedDocument {
  query: string;
  operationName: string | undefined;
}

// Printing is comparatively costly and documents are module-level constants: print each once.
const prepared = new WeakMap<DocumentNode, PreparedDocument>();

function prepare(document: DocumentNode | string): PreparedDocument {
  if (typeof document === 'string') return { query: document, operationName: undefined };
  let entry = prepared.get(document);
  if (!entry) {
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    entry = { query: print(document), operationName: operation?.name?.value };
    prepared.set(document, entry);
  }
  return entry;
}

function isGraphResponse(value: unknown): value is GraphResponse<unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && ('data' in value || 'errors' in value);
}

/** Parses a response body; anything that is not a GraphQL response becomes a single error. */
function parseBody<TResult>(status: number, text: string): GraphResponse<TResult> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isGraphResponse(parsed)) return parsed as GraphResponse<TResult>;
  } catch {
    // fall through: proxies and crashes answer with HTML or plain text
  }
  return { errors: [{ message: `Unexpected response (HTTP ${status}): ${text.slice(0, 200)}` }] };
}

export class GraphClient {
  readonly url: string;
  readonly token: string | undefined;
  private readonly headers: Record<string, string>;

  constructor(options: GraphClientOptions) {
    this.url = options.url;
    this.token = options.token;
    this.headers = { ...options.headers };
  }

  /** The same client acting as another user (or anonymous, with undefined). */
  withToken(token: string | undefined): GraphClient {
    return new GraphClient({ url: this.url, token, headers: this.headers });
  }

  /** Runs an operation and returns its data; throws GraphError on any error or non-2xx status. */
  async request<TResult, TVars = Record<string, unknown>>(
    document: DocumentInput<TResult, TVars>,
    variables?: NoInfer<TVars>,
    options?: RequestOptions,
  ): Promise<TResult> {
    const { status, body } = await this.raw(document, variables, options);
    if (body.errors?.length) throw new GraphError(body.errors, { status, data: body.data });
    if (status < 200 || status > 299) throw new GraphError([], { status, data: body.data });
    if (body.data === undefined || body.data === null) {
      throw new GraphError([{ message: 'Response has no data' }], { status });
    }
    return body.data;
  }

  /** Runs an operation and returns status, headers and body as received, without throwing on errors. */
  async raw<TResult, TVars = Record<string, unknown>>(
    document: DocumentInput<TResult, TVars>,
    variables?: NoInfer<TVars>,
    options?: RequestOptions,
  ): Promise<RawResponse<TResult>> {
    const { query, operationName } = prepare(document);
    const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
    for (const [name, value] of Object.entries(this.headers)) headers.set(name, value);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    for (const [name, value] of Object.entries(options?.headers ?? {})) headers.set(name, value);

    const response = await fetch(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables: variables ?? undefined, operationName }),
      signal: options?.signal,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseBody<TResult>(response.status, text) };
  }

  /** Subscribes (or runs any operation) over graphql-ws on the same path, with this client's token. */
  subscribe<TResult, TVars = Record<string, unknown>>(
    document: DocumentInput<TResult, TVars>,
    variables?: NoInfer<TVars>,
    options: Omit<WsClientOptions, 'url' | 'token'> = {},
  ): GraphSubscription<TResult> {
    return subscribe({ ...options, url: toWebSocketUrl(this.url), token: this.token }, document, variables);
  }
}

/** Where the clients look for the graph when neither --url nor NEXUS_URL says otherwise (`npm start`). */
export const DEFAULT_GRAPH_URL = 'http://127.0.0.1:4000/graphql';

/**
 * The graph every client talks to: `--url`, else the NEXUS_URL environment variable, else
 * DEFAULT_GRAPH_URL. A bare origin (http://host:4000) gets the /graphql path. Throws a TypeError
 * naming where a malformed URL came from.
 */
export function resolveGraphUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const [raw, source] = flag ? [flag, '--url'] : env.NEXUS_URL ? [env.NEXUS_URL, 'NEXUS_URL'] : [DEFAULT_GRAPH_URL, ''];
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new TypeError(`${source} must be an http:// or https:// URL, got ${raw}`);
  }
  if (parsed.pathname === '/') parsed.pathname = '/graphql';
  return parsed.toString();
}

/** http(s)://host/graphql -> ws(s)://host/graphql; ws URLs pass through. */
export function toWebSocketUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  return parsed.toString();
}

export interface WsClientOptions {
  /** ws:// or http:// URL of the gateway's GraphQL path. */
  url: string;
  token?: string;
  /** Extra connection_init payload fields. */
  connectionParams?: Record<string, unknown>;
  /**
   * Reconnect attempts after a drop. Defaults to 0: graphql-ws would resubscribe with the
   * original variables, replaying a stream from its first index; callers resume explicitly instead.
   */
  retryAttempts?: number;
}

/** A graphql-ws client authenticated like GraphClient; share one across many subscriptions. */
export function createWsClient(options: WsClientOptions): WsClient {
  const { token } = options;
  return createClient({
    url: toWebSocketUrl(options.url),
    webSocketImpl: WebSocket,
    connectionParams: { ...options.connectionParams, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    retryAttempts: options.retryAttempts ?? 0,
  });
}

/** Open a connection of its own (closed on dispose), or reuse `client` (left open). */
export type SubscribeOptions = WsClientOptions | { client: WsClient };

/** Results as they arrive (each may carry errors); iterate with for await, stop with dispose() or break. */
export interface GraphSubscription<TResult> extends AsyncIterable<GraphResponse<TResult>> {
  /** Ends the subscription and closes the connection if this subscription opened it. Idempotent. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Turns what graphql-ws throws (an error list, a close event, an Error) into an Error with context. */
function toError(thrown: unknown): Error {
  if (Array.isArray(thrown)) return new GraphError(thrown as GraphQLFormattedError[]);
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'object' && thrown !== null && 'code' in thrown && typeof thrown.code === 'number') {
    const reason = 'reason' in thrown && typeof thrown.reason === 'string' ? thrown.reason : '';
    return new GraphError([{ message: `WebSocket closed: ${thrown.code}${reason ? ` ${reason}` : ''}` }], {
      closeCode: thrown.code,
    });
  }
  return new Error(`WebSocket failed: ${String(thrown)}`);
}

export function subscribe<TResult, TVars = Record<string, unknown>>(
  options: SubscribeOptions,
  document: DocumentInput<TResult, TVars>,
  variables?: NoInfer<TVars>,
): GraphSubscription<TResult> {
  const owned = !('client' in options);
  const client = 'client' in options ? options.client : createWsClient(options);
  const { query, operationName } = prepare(document);
  const inner = client.iterate<TResult, Record<string, unknown>>({
    query,
    operationName,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
  });

  const finished: IteratorReturnResult<undefined> = { done: true, value: undefined };
  // graphql-ws's return() only unsubscribes: a next() already waiting (or one called after a dispose
  // that raced the handshake) may never settle, so disposal settles it through this promise.
  let stop!: () => void;
  const stopped = new Promise<IteratorReturnResult<undefined>>((resolve) => (stop = () => resolve(finished)));
  let disposing: Promise<void> | undefined;
  const dispose = (): Promise<void> =>
    (disposing ??= (async () => {
      stop();
      await inner.return?.();
      if (owned) await client.dispose();
    })());

  // Hand-written rather than an async generator: return() must not queue behind a pending next().
  const iterator: AsyncIterableIterator<GraphResponse<TResult>> = {
    async next() {
      if (disposing) return finished;
      try {
        const result = await Promise.race([inner.next(), stopped]);
        if (result.done) await dispose();
        return result;
      } catch (thrown) {
        const wasDisposed = disposing !== undefined;
        await dispose();
        if (wasDisposed) return finished; // a socket torn down by our own dispose is not an error
        throw toError(thrown);
      }
    },
    async return() {
      await dispose();
      return finished;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };

  return {
    [Symbol.asyncIterator]: () => iterator,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
