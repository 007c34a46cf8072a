import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, request } from 'undici';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

export interface UndiciFetcherOptions {
  /** Keep-alive sockets per subgraph origin; requests beyond wait in undici's queue. */
  connections: number;
}

/**
 * The subgraph HTTP client: undici's `request` on one keep-alive Agent (a Pool per
 * origin). Much cheaper per call than the global fetch, and the connection count per
 * subgraph is bounded, so a burst queues here instead of opening thousands of sockets.
 * undici honours the server's `Keep-Alive: timeout` hint, so it never reuses a socket the
 * subgraph is about to close (the "Premature close" / ECONNRESET of earlier fetchers).
 */
export function createUndiciFetcher(options: UndiciFetcherOptions): { fetcher: Fetcher; close(): Promise<void> } {
  const agent = new Agent({
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const fetcher: Fetcher = async (url, init = {}) => {
    const response = await request(url, {
      method: (init.method ?? 'GET') as 'POST',
      headers: init.headers,
      body: init.body,
      dispatcher: agent,
      signal: init.signal,
    });
    const text = await response.body.text();
    return new BufferedResponse(url, response.statusCode, response.headers, text);
  };
  return { fetcher, close: () => agent.close() };
}

type RawHeaders = Record<string, string | string[] | undefined>;

/** The fetch-shaped response RemoteGraphQLDataSource reads (status, headers, text/json), body already read. */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  readonly bodyUsed = false;
  readonly headers: FetcherResponse['headers'];

  constructor(
    readonly url: string,
    readonly status: number,
    raw: RawHeaders,
    private readonly body: string,
  ) {
    // The data source only reads headers (content-type, cache-control): a lookup, not a Headers object.
    const get = (name: string): string | null => {
      const value = raw[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    };
    this.headers = { get, has: (name: string) => get(name) !== null } as unknown as FetcherResponse['headers'];
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return String(this.status);
  }

  async text(): Promise<string> {
    return this.body;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.body);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(this.body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  clone(): FetcherResponse {
    return this;
  }
}
