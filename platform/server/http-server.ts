import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ErrorCode, isUnavailable } from '../errors.js';
import { IdentityHeader } from '../auth/identity.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';

/** A refusal decided before GraphQL runs (bad credentials, rate limit, wrong caller). */
export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Record<string, string>;
}

export interface GraphQLHttpOptions<Ctx extends BaseContext> {
  logger: Logger;
  metrics: ServiceMetrics;
  maxBodyBytes: number;
  apollo: ApolloServer<Ctx>;
  /**
   * May take a /graphql request before the guard and Apollo (the gateway's streaming
   * transports: SSE and multipart subscriptions); resolves true when it answered it.
   */
  intercept?: (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<boolean>;
  /**
   * May answer any GET before the API routes (the gateway's web app and GraphiQL); resolves true
   * when it answered. Not guarded: static files carry no identity.
   */
  site?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;
  /** May refuse the request outright; runs before the body is parsed. */
  guard?: (req: IncomingMessage, requestId: string) => Promise<Refusal | null>;
  context: (req: IncomingMessage, requestId: string) => Promise<Ctx>;
  /**
   * Other paths the service answers itself (e.g. the users service's Stripe webhook), by exact
   * path; a key ending in `/*` takes every path under it (`/exports/*`: `/exports/<id>`).
   */
  routes?: Record<string, RouteHandler>;
  ready: () => Promise<boolean>;
}

/** Answers one request on its own path, outside GraphQL (reads the raw body itself). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;

const JSON_TYPE = 'application/json; charset=utf-8';

export function sendError(res: ServerResponse, refusal: Refusal, requestId: string): void {
  res.writeHead(refusal.status, {
    'content-type': JSON_TYPE,
    [IdentityHeader.requestId]: requestId,
    ...refusal.headers,
  });
  res.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] }));
}

export class BodyTooLarge extends Error {}

/** The request body as text; rejects with BodyTooLarge past `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume(); // drain without keeping it
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The route for a path: its exact entry, else the `/*` entry of its parent folder. */
function routeFor(routes: Record<string, RouteHandler> | undefined, path: string): RouteHandler | undefined {
  if (!routes) return undefined;
  return routes[path] ?? routes[`${path.slice(0, path.lastIndexOf('/') + 1)}*`];
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[IdentityHeader.requestId];
  const value = Array.isArray(given) ? given[0] : given;
  // Accept the caller's id only if it looks like one, so logs cannot be polluted.
  return value && /^[\w-]{8,64}$/.test(value) ? value : randomUUID();
}

/**
 * One HTTP server per service: /graphql (Apollo), /health/live, /health/ready and
 * /metrics. Body size is limited and malformed JSON answered before Apollo runs.
 */
export function createGraphQLHttpServer<Ctx extends BaseContext>(options: GraphQLHttpOptions<Ctx>): Server {
  const { logger, metrics, apollo } = options;
  return createServer(async (req, res) => {
    const requestId = requestIdOf(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname === '/health/live') {
        res.writeHead(200, { 'content-type': JSON_TYPE }).end('{"status":"ok"}');
        return;
      }
      if (url.pathname === '/health/ready') {
        const ready = await options.ready().catch(() => false);
        res.writeHead(ready ? 200 : 503, { 'content-type': JSON_TYPE });
        res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready' }));
        return;
      }
      if (url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return;
      }
      if (await options.site?.(req, res, url.pathname)) return;
      const route = routeFor(options.routes, url.pathname);
      if (route) {
        await route(req, res, requestId);
        return;
      }
      if (url.pathname !== '/graphql') {
        sendError(
          res,
          { status: 404, code: ErrorCode.NOT_FOUND, message: 'Not found; GraphQL is at /graphql' },
          requestId,
        );
        return;
      }
      if (await options.intercept?.(req, res, requestId)) return;
      const refusal = await options.guard?.(req, requestId);
      if (refusal) {
        // Refused before GraphQL ran: still counted, so rate limiting and bad tokens show on dashboards.
        metrics.errors.inc({ operation: 'refused', code: refusal.code });
        req.resume();
        sendError(res, refusal, requestId);
        return;
      }
      let body: unknown = undefined;
      if (req.method === 'POST') {
        const text = await readBody(req, options.maxBodyBytes);
        const type = req.headers['content-type'] ?? '';
        if (type.includes('json')) {
          try {
            body = text.length ? JSON.parse(text) : undefined;
          } catch {
            sendError(
              res,
              { status: 400, code: ErrorCode.BAD_REQUEST, message: 'Request body is not valid JSON' },
              requestId,
            );
            return;
          }
        } else {
          body = text;
        }
      }
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: () => options.context(req, requestId),
      });
      const outHeaders: Record<string, string> = { [IdentityHeader.requestId]: requestId };
      for (const [name, value] of response.headers) outHeaders[name] = value;
      res.writeHead(response.status ?? 200, outHeaders);
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        sendError(
          res,
          {
            status: 413,
            code: ErrorCode.PAYLOAD_TOO_LARGE,
            message: `Request body over ${options.maxBodyBytes} bytes`,
          },
          requestId,
        );
        return;
      }
      if (isUnavailable(error) && !res.headersSent) {
        // A dependency is down (shared state during a Redis outage): a quick, retryable refusal.
        metrics.errors.inc({ operation: 'refused', code: ErrorCode.SERVICE_UNAVAILABLE });
        sendError(
          res,
          {
            status: 503,
            code: ErrorCode.SERVICE_UNAVAILABLE,
            message: (error as Error).message,
            headers: { 'retry-after': '1' },
          },
          requestId,
        );
        return;
      }
      logger.error({ err: error, requestId }, 'request failed outside GraphQL');
      if (!res.headersSent) {
        sendError(
          res,
          { status: 500, code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error' },
          requestId,
        );
      } else {
        res.end();
      }
    }
  });
}
