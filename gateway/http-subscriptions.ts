import type { ApolloServer } from '@apollo/server';
import { print, type GraphQLError } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IdentityHeader } from '../platform/auth/identity.js';
import { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { readBody } from '../platform/server/http-server.js';
import { clientAddress } from './client-address.js';
import type { FederatedSubscriptions } from './federated-subscriptions.js';
import type { GatewayContext } from './gateway-context.js';
import { LiveConnection, type Result } from './live-connection.js';
import { multipartFormat } from './multipart-transport.js';
import type { Caller, GuardRefusal, OperationGuard } from './operation-guard.js';
import { prepareOperation, type OperationRequest, type PreparationLimits } from './prepare-operation.js';
import type { SessionWatch } from './session-watch.js';
import { sseFormat, type StreamFormat } from './sse-transport.js';
import type { SubscriptionCaps } from './subscription-caps.js';

const FORMATS: StreamFormat[] = [sseFormat, multipartFormat];

const STATUS: Record<string, number> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
};

/**
 * Subscriptions over plain HTTP on /graphql for clients without WebSockets: Server-Sent
 * Events (graphql-sse, distinct connections mode) and Apollo's multipart subscriptions.
 * Same rules as graphql-ws: the Authorization header, the API rate limit per client
 * address, the subscription caps (each response holds one subscription), and the
 * response ends with UNAUTHENTICATED / FORBIDDEN when the session does.
 */
export function httpSubscriptions(options: {
  apollo: ApolloServer<GatewayContext>;
  guard: OperationGuard;
  watch: SessionWatch;
  caps: SubscriptionCaps;
  subscriptions: FederatedSubscriptions;
  limits: PreparationLimits;
  maxBodyBytes: number;
  heartbeatMs: number;
  trustProxy: boolean;
  logger: Logger;
}): {
  intercept: (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<boolean>;
  stop: () => void;
} {
  const { logger } = options;
  const open = new Set<LiveConnection>();

  function refuse(res: ServerResponse, requestId: string, errors: (GuardRefusal | GraphQLError)[]): void {
    const code = String(errors[0]?.extensions?.code ?? ErrorCode.BAD_REQUEST);
    res.writeHead(STATUS[code] ?? 400, {
      'content-type': 'application/json; charset=utf-8',
      [IdentityHeader.requestId]: requestId,
      ...(code === ErrorCode.UNAUTHENTICATED ? { 'www-authenticate': 'Bearer' } : {}),
    });
    res.end(JSON.stringify({ errors }));
  }

  async function readRequest(req: IncomingMessage): Promise<OperationRequest | null> {
    if (req.method === 'GET') {
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const variables = params.get('variables');
      return {
        query: params.get('query') ?? '',
        operationName: params.get('operationName'),
        variables: variables ? (JSON.parse(variables) as Record<string, unknown>) : undefined,
      };
    }
    const text = await readBody(req, options.maxBodyBytes);
    const body = JSON.parse(text) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
    return body as OperationRequest;
  }

  async function intercept(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<boolean> {
    const format = FORMATS.find((candidate) => candidate.accepts(req));
    if (!format || (req.method !== 'POST' && req.method !== 'GET')) return false;
    const caller: Caller = {
      authorization: req.headers.authorization,
      address: clientAddress(req, options.trustProxy),
    };
    const verdict = await options.guard.check(caller);
    if ('refusal' in verdict) {
      req.resume();
      refuse(res, requestId, [verdict.refusal]);
      return true;
    }
    let request: OperationRequest | null;
    try {
      request = await readRequest(req);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error; // BodyTooLarge: answered 413 by the HTTP server
      request = null;
    }
    if (!request) {
      refuse(res, requestId, [
        { message: 'Request body is not valid JSON', extensions: { code: ErrorCode.BAD_REQUEST } },
      ]);
      return true;
    }
    const operation = prepareOperation(request, options.subscriptions, options.limits, logger);
    if (operation.kind === 'refused') {
      refuse(res, requestId, operation.errors);
      return true;
    }
    const context: GatewayContext = { requestId, identity: verdict.identity, clientAddress: caller.address };
    if (operation.kind === 'operation') {
      // A query or mutation sent with a streaming Accept header: one result, through Apollo.
      const response = await options.apollo.executeOperation(
        {
          query: print(operation.document),
          variables: request.variables ?? undefined,
          operationName: request.operationName ?? undefined,
        },
        { contextValue: context },
      );
      const result = (response.body.kind === 'single' ? response.body.singleResult : { errors: [] }) as Result;
      startResponse(res, format, requestId);
      res.write(format.next(result));
      res.end(format.end);
      return true;
    }

    const restricted = options.guard.admit(
      verdict.identity,
      operation.prepared.document,
      operation.prepared.operationName,
    );
    if (restricted) {
      refuse(res, requestId, [restricted]);
      return true;
    }
    const live = new LiveConnection({
      subscriptions: options.subscriptions,
      caps: options.caps.connection(),
      watch: options.watch,
      logger,
      onEnd: () => undefined, // the stream's last result ends the loop below, which ends the response
    });
    live.follow(verdict.session);
    const started = await live.subscribe(operation.prepared, operation.planner, operation.variables, context);
    if ('refusal' in started) {
      live.close();
      refuse(res, requestId, [started.refusal]);
      return true;
    }
    open.add(live);
    res.on('close', () => live.close());
    startResponse(res, format, requestId);
    const heartbeat = setInterval(() => {
      if (!res.destroyed) res.write(format.heartbeat);
    }, options.heartbeatMs);
    // A client gone mid-write must not surface as an unhandled 'error'; 'close' releases everything.
    res.on('error', (error) => logger.debug({ err: error, requestId }, 'http subscription client went away'));
    try {
      for await (const result of started.stream) {
        if (res.destroyed) break;
        res.write(live.ended && isLast(result) ? format.fatal(result.errors as GuardRefusal[]) : format.next(result));
      }
    } catch (error) {
      logger.error({ err: error, requestId }, 'http subscription failed');
      res.write(
        format.fatal([
          { message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } },
        ]),
      );
    } finally {
      clearInterval(heartbeat);
      open.delete(live);
      live.close();
      if (!res.destroyed) res.end(format.end);
    }
    return true;
  }

  return {
    intercept,
    stop() {
      for (const live of open) live.close();
      open.clear();
    },
  };
}

function startResponse(res: ServerResponse, format: StreamFormat, requestId: string): void {
  res.writeHead(200, { ...format.headers, [IdentityHeader.requestId]: requestId });
  // Headers and the first bytes now, so clients (and proxies) see the stream open.
  res.flushHeaders();
  if (format.start) res.write(format.start);
}

const isLast = (result: Result) => result.data === undefined && (result.errors?.length ?? 0) > 0;
