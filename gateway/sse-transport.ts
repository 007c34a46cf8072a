import type { IncomingMessage } from 'node:http';
import type { GuardRefusal } from './operation-guard.js';
import type { Result } from './live-connection.js';

/** How one streaming HTTP protocol frames results; the handler (http-subscriptions.ts) is shared. */
export interface StreamFormat {
  name: 'sse' | 'multipart';
  accepts(req: IncomingMessage): boolean;
  headers: Record<string, string>;
  /** Written once when the response starts (may be empty). */
  start: string;
  next(result: Result): string;
  /** The stream ends because the connection may not go on (session ended): a last error, then the end. */
  fatal(errors: GuardRefusal[]): string;
  heartbeat: string;
  end: string;
}

/**
 * graphql-sse's "distinct connections" mode: one POST per operation answered with
 * `text/event-stream`; each result is a `next` event, the end a `complete` event.
 */
export const sseFormat: StreamFormat = {
  name: 'sse',
  accepts: (req) => (req.headers.accept ?? '').includes('text/event-stream'),
  headers: {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // Proxies (nginx) must not buffer a stream.
    'x-accel-buffering': 'no',
  },
  start: ':\n\n',
  next: (result) => `event: next\ndata: ${JSON.stringify(result)}\n\n`,
  fatal: (errors) => `event: next\ndata: ${JSON.stringify({ errors })}\n\n`,
  heartbeat: ':\n\n',
  end: 'event: complete\ndata:\n\n',
};
