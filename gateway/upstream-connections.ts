import { createClient, type Client, type ExecutionResult, type Sink } from 'graphql-ws';
import WebSocket from 'ws';
import { IdentityHeader, identityToHeaders, type Identity } from '../platform/auth/identity.js';

export interface UpstreamRequest {
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
}

export type UpstreamEvent = ExecutionResult<Record<string, unknown>, unknown>;

/**
 * Pings every open upstream socket from one timer and terminates those that did not
 * answer the previous ping: a subgraph that vanished without closing its sockets
 * (host down, network cut) fails its subscriptions within two intervals.
 */
export class Heartbeat {
  private readonly answered = new Map<WebSocket, boolean>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  watch(socket: WebSocket): void {
    if (!(this.intervalMs > 0)) return;
    this.answered.set(socket, true);
    socket.on('pong', () => {
      if (this.answered.has(socket)) this.answered.set(socket, true);
    });
    socket.once('close', () => this.answered.delete(socket));
    this.timer ??= setInterval(() => this.beat(), this.intervalMs).unref();
  }

  private beat(): void {
    for (const [socket, answered] of this.answered) {
      if (!answered) {
        this.answered.delete(socket);
        socket.terminate();
        continue;
      }
      this.answered.set(socket, false);
      try {
        socket.ping();
      } catch {
        // still connecting: nothing to ask yet
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export interface UpstreamOptions {
  /** The subgraph's HTTP URL by name (the one its data source posts to). */
  urlOf(serviceName: string): string | undefined;
  secret: string;
  heartbeat: Heartbeat;
}

/**
 * The upstream graphql-ws connections of one client connection: at most one per
 * subgraph, multiplexing that client's subscriptions to it. A subgraph learns the
 * caller's identity from connection_init, and a client's identity is fixed for the
 * life of its socket, so its subscriptions can share a connection while different
 * clients cannot. Connections open on the first subscription and close when the last
 * one ends (graphql-ws's lazy mode), so an idle client costs nothing upstream.
 */
export class UpstreamConnections {
  private readonly clients = new Map<string, Client>();
  /** Sent as x-request-id with the connection: the request that opened it. */
  private openingRequestId = '';

  constructor(
    private readonly options: UpstreamOptions,
    private readonly identity: Identity | null,
  ) {}

  /** Starts one subscription on the subgraph; the returned function ends it (sends complete upstream). */
  subscribe(serviceName: string, request: UpstreamRequest, requestId: string, sink: Sink<UpstreamEvent>): () => void {
    let client = this.clients.get(serviceName);
    if (!client) {
      client = this.connect(serviceName);
      this.clients.set(serviceName, client);
    }
    this.openingRequestId = requestId;
    return client.subscribe(request, sink);
  }

  private connect(serviceName: string): Client {
    const httpUrl = this.options.urlOf(serviceName);
    if (!httpUrl) throw new Error(`no URL for subgraph ${serviceName}`);
    const url = new URL(httpUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return createClient({
      url: url.toString(),
      webSocketImpl: WebSocket,
      connectionParams: () => ({
        [IdentityHeader.secret]: this.options.secret,
        [IdentityHeader.requestId]: this.openingRequestId,
        ...identityToHeaders(this.identity),
      }),
      // A dropped subgraph fails its subscriptions at once: a silent resubscribe would
      // replay the stream from its start, and the client is the one that knows where to resume.
      retryAttempts: 0,
      on: { opened: (socket) => this.options.heartbeat.watch(socket as WebSocket) },
    });
  }

  /** Closes every upstream connection (the client's socket is gone). */
  dispose(): void {
    // dispose() rejects when the socket never connected: nothing is left to close then.
    for (const client of this.clients.values()) Promise.resolve(client.dispose()).catch(() => undefined);
    this.clients.clear();
  }
}
