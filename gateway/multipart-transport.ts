import type { StreamFormat } from './sse-transport.js';

const BOUNDARY = 'graphql';
const part = (body: string) => `\r\n--${BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${body}`;

/**
 * Apollo's multipart HTTP subscriptions (what Apollo Client's HttpLink speaks for
 * subscriptions): `Accept: multipart/mixed;subscriptionSpec="1.0"`; each result is a
 * part `{"payload": …}`, heartbeats are `{}` parts, a transport-level error is
 * `{"payload": null, "errors": […]}`, and the closing boundary ends the stream.
 */
export const multipartFormat: StreamFormat = {
  name: 'multipart',
  accepts: (req) => {
    const accept = req.headers.accept ?? '';
    return accept.includes('multipart/mixed') && accept.includes('subscriptionSpec');
  },
  headers: {
    'content-type': `multipart/mixed; boundary="${BOUNDARY}"; subscriptionSpec="1.0"`,
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  },
  start: '',
  next: (result) => part(JSON.stringify({ payload: result })),
  fatal: (errors) => part(JSON.stringify({ payload: null, errors })),
  heartbeat: part('{}'),
  end: `\r\n--${BOUNDARY}--\r\n`,
};
