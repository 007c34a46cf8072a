import { request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';

/** Data export archives: served by the users service, signed links only (docs/privacy.md, "Export"). */
const EXPORTS_PREFIX = '/exports/';
/** What goes back to the client from the users service's answer. */
const PASSED_HEADERS = [
  'content-type',
  'content-length',
  'content-disposition',
  'cache-control',
  'x-content-type-options',
  'allow',
];

/**
 * Forwards GET and HEAD /exports/* to the users service at the URL the gateway reaches it by,
 * so that a download link works on the graph's one public port. Nothing of the client's but
 * the path, the query and the request id is passed on: the signed link is the credential.
 */
export function exportDownloads(options: { usersUrl: () => string | undefined; logger: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (!path.startsWith(EXPORTS_PREFIX)) return false;
    const base = options.usersUrl();
    const fail = (status: number, code: ErrorCode, message: string) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      res.setHeader('allow', 'GET, HEAD');
      fail(405, ErrorCode.BAD_REQUEST, 'GET only');
      return true;
    }
    if (!base) {
      fail(503, ErrorCode.SERVICE_UNAVAILABLE, 'Exports are unavailable right now');
      return true;
    }
    // Built from the normalised path checked above, never from the raw request line.
    const target = new URL(path, base);
    target.search = new URL(req.url ?? '', 'http://gateway.invalid').search;
    await new Promise<void>((resolve) => {
      const upstream = request(
        target,
        {
          method: req.method,
          headers: req.headers['x-request-id'] ? { 'x-request-id': req.headers['x-request-id'] } : {},
        },
        (answer) => {
          const headers: Record<string, string> = {};
          for (const name of PASSED_HEADERS) {
            const value = answer.headers[name];
            if (typeof value === 'string') headers[name] = value;
          }
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', () => {
            res.destroy();
            resolve();
          });
        },
      );
      upstream.on('error', (error) => {
        options.logger.warn({ err: error }, 'export download: users service unreachable');
        fail(502, ErrorCode.SERVICE_UNAVAILABLE, 'Exports are unavailable right now');
        resolve();
      });
      upstream.end();
    });
    return true;
  };
}
