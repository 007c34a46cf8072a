// Serves the built web app (dist/web, made by scripts/build-web.ts) from the gateway's port:
// hashed assets cached for a year, HTML never cached, app routes answered with index.html, and
// GraphiQL on /graphiql and on a browser's GET /graphql while introspection is on.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/gateway/static-site.js → dist/web. */
export const WEB_BUILD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../web');

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';
/** App routes are the pages of the single-page app: plain paths, no file extension. */
const APP_ROUTE = /^\/[\w/-]*$/;

export interface StaticSiteOptions {
  /** GraphiQL is on only while introspection is (off in production). */
  graphiql: boolean;
  root?: string;
}

export type StaticSite = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;

export function createStaticSite(options: StaticSiteOptions): StaticSite {
  const root = options.root ?? WEB_BUILD_DIR;

  async function send(req: IncomingMessage, res: ServerResponse, file: string, cache: string): Promise<boolean> {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return false;
    res.writeHead(200, {
      'content-type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': cache,
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  }

  function notFound(res: ServerResponse, message: string): true {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': NO_CACHE }).end(message);
    return true;
  }

  /** The file under root that an /assets/... path names, or null when it would leave root. */
  function assetFile(path: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return null;
    }
    if (decoded.includes('\0')) return null;
    const file = normalize(join(root, decoded));
    return file.startsWith(join(root, 'assets') + sep) ? file : null;
  }

  async function page(req: IncomingMessage, res: ServerResponse, name: string): Promise<true> {
    if (await send(req, res, join(root, name), NO_CACHE)) return true;
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': NO_CACHE })
      .end('The web app is not built: run `npm start` (it builds it) or `node dist/scripts/build-web.js`.\n');
    return true;
  }

  return async function serve(req, res, path) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/graphql') {
      // Only a browser navigating here gets GraphiQL; GraphQL over GET stays Apollo's.
      const wantsHtml = (req.headers.accept ?? '').includes('text/html');
      return options.graphiql && wantsHtml ? page(req, res, 'graphiql.html') : false;
    }
    if (path === '/graphiql' || path === '/graphiql.html') {
      return options.graphiql
        ? page(req, res, 'graphiql.html')
        : notFound(res, 'GraphiQL is off (introspection is off)\n');
    }
    if (path.startsWith('/assets/')) {
      const file = assetFile(path);
      if (file && (await send(req, res, file, IMMUTABLE))) return true;
      return notFound(res, 'Not found\n');
    }
    if (path === '/index.html' || APP_ROUTE.test(path)) return page(req, res, 'index.html');
    return false;
  };
}
