import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestStack } from './test-stack.js';
import { decodePayload } from './tokens.js';

export interface Collected<T> {
  results: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  /** Resolves when the server completes the subscription (or rejects on a socket error). */
  finished: Promise<void>;
  /** Stops listening (the client leaves). */
  leave: () => void;
  client: Client;
}

/** Subscribes over graphql-ws and collects every result until complete. */
export function collect<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  connectionParams: Record<string, unknown>,
  onResult?: (result: Collected<T>['results'][number], all: Collected<T>['results']) => void,
): Collected<T> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  const results: Collected<T>['results'] = [];
  let leave: () => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    leave = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          results.push(result as Collected<T>['results'][number]);
          onResult?.(result as Collected<T>['results'][number], results);
        },
        error: (error) => {
          // graphql-ws reports a closed socket as a CloseEvent; keep its code and reason readable.
          const close = error as { code?: number; reason?: string };
          reject(
            error instanceof Error
              ? error
              : new Error(close.code ? `closed ${close.code} ${close.reason ?? ''}` : JSON.stringify(error)),
          );
        },
        complete: () => resolve(),
      },
    );
  });
  finished.catch(() => undefined).finally(() => void client.dispose());
  return { results, finished, leave: () => leave(), client };
}

/** connection_init payload a gateway would send a subgraph for this token's user. */
export function subgraphParams(stack: TestStack, accessToken: string): Record<string, string> {
  const claims = decodePayload(accessToken) as { sub: string; sid: string; role: string };
  return {
    'x-gateway-secret': stack.config.gatewaySecret,
    'x-user-id': claims.sub,
    'x-user-role': claims.role,
    'x-session-id': claims.sid,
  };
}
