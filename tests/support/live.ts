import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface WireResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface LiveSubscription {
  results: WireResult[];
  /** 'complete', an error message's errors, or the socket's close. */
  ended: Promise<
    { how: 'complete' } | { how: 'error'; errors: WireResult['errors'] } | { how: 'closed'; code: number }
  >;
  stop: () => void;
}

export interface LiveSocket {
  client: Client;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  subscribe(
    query: string,
    variables?: Record<string, unknown>,
    onResult?: (result: WireResult) => void,
  ): LiveSubscription;
  /** A query or mutation over the socket: its one result, or how it failed. */
  request(query: string, variables?: Record<string, unknown>): Promise<WireResult | { closed: number }>;
  dispose(): Promise<void>;
}

/** A graphql-ws connection kept open, with the close code visible (X-Forwarded-For etc. via `headers`). */
export function openSocket(url: string, token: string | undefined, headers: Record<string, string> = {}): LiveSocket {
  let onClosed: (event: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WithHeaders,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        const close = event as { code: number; reason: string };
        onClosed({ code: close.code, reason: String(close.reason ?? '') });
      },
    },
  });
  const subscribe: LiveSocket['subscribe'] = (query, variables = {}, onResult) => {
    const results: WireResult[] = [];
    let stop: () => void = () => undefined;
    const ended = new Promise<Awaited<LiveSubscription['ended']>>((resolve) => {
      stop = client.subscribe(
        { query, variables },
        {
          next: (result) => {
            results.push(result as WireResult);
            onResult?.(result as WireResult);
          },
          error: (error) => {
            if (Array.isArray(error)) resolve({ how: 'error', errors: error as WireResult['errors'] });
            else resolve({ how: 'closed', code: (error as { code?: number }).code ?? 0 });
          },
          complete: () => resolve({ how: 'complete' }),
        },
      );
    });
    return { results, ended, stop: () => stop() };
  };
  return {
    client,
    closed,
    subscribe,
    async request(query, variables = {}) {
      const subscription = subscribe(query, variables);
      const end = await subscription.ended;
      if (end.how === 'closed') return { closed: end.code };
      if (end.how === 'error') return { errors: end.errors };
      return subscription.results[0]!;
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** Polls until `condition` holds (no fixed sleeps). */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
