/**
 * The benchmark's chat client: one graphql-transport-ws socket per user session with one
 * subscription at a time, written on `ws` directly rather than with graphql-ws's client.
 * The receive time is taken first thing in the socket's message handler, before any parsing,
 * and the client does nothing per message but one JSON.parse: with a thousand sockets in one
 * process its own cost sits inside every latency figure, on both paths alike, so it is kept small.
 */
import WebSocket from 'ws';
import { nowMs } from './streaming-ipc.js';

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
const SUBSCRIPTION_ID = '1';

export class WsSession {
  private sink: SubscriptionSink | undefined;

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
        session.finish(reason);
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
            session.sink?.next(receivedMs, message.payload as NextPayload);
            break;
          case 'complete':
            session.finish();
            break;
          case 'error':
            session.finish(`error: ${JSON.stringify(message.payload)}`);
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

  subscribe(query: string, variables: Record<string, unknown>, sink: SubscriptionSink): void {
    this.sink = sink;
    this.socket.send(JSON.stringify({ id: SUBSCRIPTION_ID, type: 'subscribe', payload: { query, variables } }));
  }

  close(): void {
    this.sink = undefined;
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(1000, 'done');
    }
  }

  private finish(error?: string): void {
    const sink = this.sink;
    this.sink = undefined;
    sink?.end(error);
  }
}
