import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { isRole } from '../../platform/auth/identity.js';
import { signIdentity } from '../../platform/auth/signed-identity.js';
import type { Config } from '../../platform/config.js';
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

/** The signed identity token the gateway would send a subgraph for this access token's user. */
export function signedIdentityOf(stack: { config: Config }, accessToken: string, ttlSeconds = 600): string {
  const claims = decodePayload(accessToken) as { sub: string; sid: string; role: string };
  if (!isRole(claims.role)) throw new Error(`unexpected role ${claims.role}`);
  return signIdentity(
    { userId: claims.sub, role: claims.role, sessionId: claims.sid },
    stack.config.gatewaySecret,
    ttlSeconds,
  );
}

/**
 * connection_init payload for a direct graphql-ws call to a subgraph as this token's user:
 * the gateway's secret, and a signed identity the subgraph uses for operations that carry
 * none of their own (the gateway itself signs each operation, in `extensions`).
 */
export function subgraphParams(stack: { config: Config }, accessToken: string): Record<string, string> {
  return { 'x-gateway-secret': stack.config.gatewaySecret, 'x-nexus-identity': signedIdentityOf(stack, accessToken) };
}

/** Headers for a direct HTTP call to a subgraph as this token's user (what the gateway sends). */
export function subgraphHeaders(stack: { config: Config }, accessToken: string): Record<string, string> {
  return subgraphParams(stack, accessToken);
}
