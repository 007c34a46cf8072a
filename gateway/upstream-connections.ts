import { createClient, type Client, type ExecutionResult, type Sink } from 'graphql-ws';
import WebSocket from 'ws';
import { Gauge, type Registry } from 'prom-client';
import { IdentityExtension, IdentityHeader } from '../platform/auth/identity.js';

export interface UpstreamRequest {
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
  /** The caller's signed identity token (absent: anonymous), sent with this operation only. */
  identityToken?: string;
}

export type UpstreamEvent = ExecutionResult<Record<string, unknown>, unknown>;

/**
 * Pings every open upstream socket from one timer and terminates those that answered none
 * of the last MISSES_ALLOWED + 1 pings: a subgraph that vanished without closing its sockets
 * (host down, network cut) fails its subscriptions within a few intervals. Any frame from the
 * subgraph counts as an answer, and one late pong is tolerated: a subgraph busy setting up
 * thousands of subscriptions answers late but is alive, and terminating the one shared socket
 * would end every subscription on it.
 */
export class Heartbeat {
  private readonly missed = new Map<WebSocket, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  watch(socket: WebSocket): void {
    if (!(this.intervalMs > 0)) return;
    this.missed.set(socket, 0);
    const alive = () => {
      if (this.missed.has(socket)) this.missed.set(socket, 0);
    };
    socket.on('pong', alive);
    socket.on('message', alive);
    socket.once('close', () => this.missed.delete(socket));
    this.timer ??= setInterval(() => this.beat(), this.intervalMs).unref();
  }

  private beat(): void {
    for (const [socket, missed] of this.missed) {
      if (missed > MISSES_ALLOWED) {
        this.missed.delete(socket);
        socket.terminate();
        continue;
      }
      this.missed.set(socket, missed + 1);
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

/** Unanswered pings tolerated before a socket is given up (see Heartbeat). */
const MISSES_ALLOWED = 1;

export interface UpstreamOptions {
  /** The subgraph's HTTP URL by name (the one its data source posts to). */
  urlOf(serviceName: string): string | undefined;
  secret: string;
  heartbeat: Heartbeat;
  registry: Registry;
  /** How long a socket with no subscription left stays open for the next one. */
  idleCloseMs: number;
}

/**
 * One multiplexed graphql-ws connection per subgraph, shared by every client of this
 * gateway: the connection carries only the gateway's secret, and each subscribe message
 * carries its caller's signed identity and request id in `extensions`, which the subgraph
 * verifies per operation. A socket opens with the first subscription and closes
 * `idleCloseMs` after the last one ends, so an idle gateway holds nothing upstream. A
 * socket that drops fails its subscriptions; the next subscription opens a fresh one.
 */
export class UpstreamConnections {
  private readonly clients = new Map<string, Client>();
  private readonly usage = new WeakMap<Client, Usage>();
  private readonly gauge: Gauge;

  constructor(private readonly options: UpstreamOptions) {
    this.gauge = new Gauge({
      name: 'gateway_upstream_connections',
      help: 'graphql-ws connections open from the gateway to subgraphs',
      registers: [options.registry],
    });
  }

  /** Starts one subscription on the subgraph; the returned function ends it (sends complete upstream). */
  subscribe(serviceName: string, request: UpstreamRequest, requestId: string, sink: Sink<UpstreamEvent>): () => void {
    let client = this.clients.get(serviceName);
    if (!client) {
      client = this.connect(serviceName);
      this.clients.set(serviceName, client);
    }
    const extensions: Record<string, unknown> = { [IdentityExtension.requestId]: requestId };
    if (request.identityToken) extensions[IdentityExtension.identity] = request.identityToken;
    const held = this.usage.get(client)!;
    const heldClient = client;
    held.active += 1;
    clearTimeout(held.idleTimer);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      held.active -= 1;
      if (held.active === 0) {
        held.idleTimer = setTimeout(() => this.retire(serviceName, heldClient), this.options.idleCloseMs).unref();
      }
    };
    const unsubscribe = client.subscribe(
      { query: request.query, operationName: request.operationName, variables: request.variables, extensions },
      {
        next: (event) => sink.next(event as UpstreamEvent),
        error: (error) => {
          end();
          sink.error(error);
        },
        complete: () => {
          end();
          sink.complete();
        },
      },
    );
    return () => {
      end();
      unsubscribe();
    };
  }

  private connect(serviceName: string): Client {
    const httpUrl = this.options.urlOf(serviceName);
    if (!httpUrl) throw new Error(`no URL for subgraph ${serviceName}`);
    const url = new URL(httpUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const client: Client = createClient({
      url: url.toString(),
      webSocketImpl: WebSocket,
      connectionParams: { [IdentityHeader.secret]: this.options.secret },
      // Connected as long as this pool keeps the client (idle closing is ours: graphql-ws's
      // lazy close timer survives dispose() and would hold the process open).
      lazy: false,
      onNonLazyError: () => undefined, // each subscription reports the failure to its client
      // A dropped subgraph fails its subscriptions at once: a silent resubscribe would
      // replay the stream from its start, and the client is the one that knows where to resume.
      retryAttempts: 0,
      on: {
        opened: (raw) => {
          const socket = raw as WebSocket;
          this.gauge.inc();
          socket.once('close', () => {
            this.gauge.dec();
            this.forget(serviceName, client);
          });
          this.options.heartbeat.watch(socket);
        },
        // Never reused after a close (graphql-ws fails its subscriptions and, with no retries,
        // stays down): the next subscription gets a fresh connection.
        closed: () => this.forget(serviceName, client),
      },
    });
    this.usage.set(client, { active: 0, idleTimer: undefined });
    return client;
  }

  private forget(serviceName: string, client: Client): void {
    clearTimeout(this.usage.get(client)?.idleTimer);
    if (this.clients.get(serviceName) === client) this.clients.delete(serviceName);
  }

  /** Closes an idle connection (or every one, when the gateway stops). */
  private retire(serviceName: string, client: Client): void {
    this.forget(serviceName, client);
    // dispose() rejects when the socket never connected: nothing is left to close then.
    Promise.resolve(client.dispose()).catch(() => undefined);
  }

  /** Closes every upstream connection (the gateway is stopping). */
  dispose(): void {
    for (const [name, client] of [...this.clients]) this.retire(name, client);
  }
}

interface Usage {
  /** Subscriptions running on the connection; at 0 the idle timer runs. */
  active: number;
  idleTimer: NodeJS.Timeout | undefined;
}
