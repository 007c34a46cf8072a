/**
 * The benchmarks' graphql-transport-ws client: one socket, any number of subscriptions on it,
 * written on `ws` directly rather than with graphql-ws's client.
 * The receive time is taken first thing in the socket's message handler, before any parsing,
 * and the client does nothing per message but one JSON.parse: with a thousand sockets in one
 * process its own cost sits inside every latency figure, on both paths alike, so it is kept small.
 */
import WebSocket from 'ws';

/**
 * Milliseconds on CLOCK_MONOTONIC (libuv's hrtime): receive times of different sockets compare
 * directly, and nothing in the hot path allocates a Date.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface NextPayload {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface SubscriptionSink {
  /** One `next` message; `receivedMs` is nowMs() when the socket handed it over. */
  next(receivedMs: number, payload: NextPayload): void;
  /** `complete` (no error), an `error` message, or the socket closing first. Called once. */
  end(error?: string): void;
}

interface ServerMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
export class WsSession {
  private readonly sinks = new Map<string, SubscriptionSink>();
  private nextId = 1;

  private constructor(private readonly socket: WebSocket) {}

  /** Connects, sends connection_init with `params`, and resolves on connection_ack. */
  static open(httpUrl: string, params: Record<string, unknown>, timeoutMs: number): Promise<WsSession> {
    const url = new URL(httpUrl);
    if (!LOOPBACK.has(url.hostname)) throw new Error(`benchmarks only call loopback, not ${url.hostname}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws');
      const session = new WsSession(socket);
      let acknowledged = false;
      const fail = (reason: string) => {
        clearTimeout(timer);
        if (!acknowledged) reject(new Error(reason));
        for (const id of [...session.sinks.keys()]) session.finish(id, reason);
      };
      const timer = setTimeout(() => {
        socket.terminate();
        fail(`no connection_ack in ${timeoutMs} ms`);
      }, timeoutMs);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: params })));
      socket.on('message', (data: Buffer) => {
        const receivedMs = nowMs();
        const message = JSON.parse(data.toString('utf8')) as ServerMessage;
        switch (message.type) {
          case 'next':
            session.sinks.get(message.id!)?.next(receivedMs, message.payload as NextPayload);
            break;
          case 'complete':
            session.finish(message.id!);
            break;
          case 'error':
            session.finish(message.id!, `error: ${JSON.stringify(message.payload)}`);
            break;
          case 'connection_ack':
            acknowledged = true;
            clearTimeout(timer);
            resolve(session);
            break;
          case 'ping':
            socket.send('{"type":"pong"}');
            break;
        }
      });
      socket.on('error', (error) => fail(`socket error: ${error.message}`));
      socket.on('close', (code, reason) => fail(`socket closed: ${code} ${reason.toString('utf8')}`));
    });
  }

  /** Starts a subscription on this socket; returns its id (for `complete`). */
  subscribe(query: string, variables: Record<string, unknown>, sink: SubscriptionSink): string {
    const id = String(this.nextId++);
    this.sinks.set(id, sink);
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    return id;
  }

  /** Ends one subscription from the client side (graphql-transport-ws `complete`). */
  complete(id: string): void {
    if (!this.sinks.delete(id)) return;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ id, type: 'complete' }));
  }

  close(): void {
    this.sinks.clear();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(1000, 'done');
    }
  }

  private finish(id: string, error?: string): void {
    const sink = this.sinks.get(id);
    this.sinks.delete(id);
    sink?.end(error);
  }
}
