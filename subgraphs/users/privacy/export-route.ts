import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../../platform/errors.js';
import { IdentityHeader } from '../../../platform/auth/identity.js';
import type { Logger } from '../../../platform/logger.js';
import type { RouteHandler } from '../../../platform/server/http-server.js';
import type { ExportService } from './export-service.js';

/** Every path under it is an export's archive: /exports/<id>. */
export const EXPORTS_PATH = '/exports/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function refuse(
  res: ServerResponse,
  requestId: string,
  status: number,
  code: ErrorCode,
  reason: string,
  message: string,
) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    [IdentityHeader.requestId]: requestId,
  });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code, reason } }] }));
}

/**
 * GET /exports/<id>?expires=<unix seconds>&signature=<hex>: the archive of a READY export as
 * an attachment. The signed link is the only credential (docs/privacy.md, "Export"): a wrong
 * signature is 403, an expired link or a deleted archive 410, an unknown export 404, an export downloaded EXPORT_MAX_DOWNLOADS times 429; each
 * refusal is a JSON error and never any data.
 */
export function exportDownloadRoute(deps: { exports: ExportService; logger: Logger }): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, requestId: string) => {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      refuse(res, requestId, 405, ErrorCode.BAD_REQUEST, 'METHOD_NOT_ALLOWED', 'GET only');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const exportId = url.pathname.slice(EXPORTS_PATH.length);
    const expires = Number(url.searchParams.get('expires'));
    const signature = url.searchParams.get('signature') ?? '';
    if (!UUID.test(exportId) || !Number.isSafeInteger(expires)) {
      refuse(res, requestId, 403, ErrorCode.FORBIDDEN, 'BAD_SIGNATURE', 'This download link is not valid');
      return;
    }
    const download = await deps.exports.download(exportId.toLowerCase(), expires, signature, req.method === 'GET');
    if (!download.ok) {
      const code =
        download.status === 404
          ? ErrorCode.NOT_FOUND
          : download.status === 429
            ? ErrorCode.RATE_LIMITED
            : ErrorCode.FORBIDDEN;
      refuse(res, requestId, download.status, code, download.reason, download.message);
      return;
    }
    const body = Buffer.from(download.archive, 'utf8');
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'content-disposition': `attachment; filename="nexusai-data-export-${download.exportId}.json"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      [IdentityHeader.requestId]: requestId,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    deps.logger.info({ requestId, exportId: download.exportId }, 'data export downloaded');
  };
}
