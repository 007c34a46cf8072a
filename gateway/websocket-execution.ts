import type { ApolloServer } from '@apollo/server';
import { GraphQLError, print, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import type { Context, ServerOptions } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { clientAddress } from './client-address.js';
import type { FederatedSubscriptions } from './federated-subscriptions.js';
import type { GatewayContext } from './gateway-context.js';
import { LiveConnection, type Result } from './live-connection.js';
import type { EndableStream } from './endable-stream.js';
import type { Caller, GuardRefusal, OperationGuard } from './operation-guard.js';
import { prepareOperation, type PreparationLimits } from './prepare-operation.js';
import type { SessionEnd, SessionWatch } from './session-watch.js';
import type { SubscriptionCaps } from './subscription-caps.js';

interface SocketState {
  caller: Caller;
  live: LiveConnection;
}

type WsExtra = Extra & Partial<SocketState>;

/** The context of one operation; a subscription carries the stream onSubscribe started. */
interface OperationContext extends GatewayContext {
  stream?: EndableStream<Result>;
}

/** How long a session's end may wait for last results to reach the client before the close frame. */
const FLUSH_BEFORE_CLOSE_MS = 500;

/**
 * graphql-ws on the gateway's port. Auth arrives as `authorization` in the
 * connection_init payload (same value as the HTTP header); an expired or revoked token
 * closes the socket with 4401 (refresh and reconnect), a malformed or forged one or a
 * sanctioned user's with 4403; no token connects anonymously. Every operation is checked again
 * like an HTTP request (rate limit per client address, token signature, expiry,
 * revocation); the socket ends with 4401/4403 when its session does. Queries and
 * mutations run through the same Apollo pipeline as HTTP (limits, masking, metrics);
 * subscriptions are validated with the same limits, capped, and run as federated
 * subscriptions.
 */
export function executeOverWebSocket(options: {
  apollo: ApolloServer<GatewayContext>;
  guard: OperationGuard;
  watch: SessionWatch;
  caps: SubscriptionCaps;
  subscriptions: FederatedSubscriptions;
  limits: PreparationLimits;
  trustProxy: boolean;
  logger: Logger;
}): ServerOptions<Record<string, unknown>, WsExtra> {
  const { apollo, guard, subscriptions, logger } = options;
  return {
    async onConnect(ctx) {
      const header = ctx.connectionParams?.authorization;
      const caller: Caller = {
        authorization: typeof header === 'string' ? header : undefined,
        // The upgrade request's address, with X-Forwarded-For when TRUST_PROXY: the same key as HTTP.
        address: clientAddress(ctx.extra.request, options.trustProxy),
      };
      const verdict = await guard.check(caller);
      if ('refusal' in verdict) {
        logger.info({ reason: verdict.refusal.message }, 'websocket refused');
        // 4401: reconnect with a fresh token; 4403 (graphql-ws's "Forbidden"): do not retry as is.
        if (verdict.refusal.extensions.code === ErrorCode.RATE_LIMITED)
          ctx.extra.socket.close(4429, 'Too many requests');
        else if (verdict.renewable) ctx.extra.socket.close(4401, verdict.refusal.message);
        return false;
      }
      const live = new LiveConnection({
        subscriptions,
        caps: options.caps.connection(),
        watch: options.watch,
        logger,
        onEnd: (end) => void closeAfterFlush(ctx, end),
      });
      live.follow(verdict.session);
      ctx.extra.caller = caller;
      ctx.extra.live = live;
      return true;
    },
    onClose(ctx) {
      ctx.extra.live?.close();
    },
    async onSubscribe(ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
      const { caller, live } = ctx.extra;
      if (!caller || !live)
        return [refused({ message: 'Not connected', extensions: { code: ErrorCode.UNAUTHENTICATED } })];
      if (live.ended) return [refused({ message: live.ended.message, extensions: { code: live.ended.code } })];
      const verdict = await guard.check(caller);
      if ('refusal' in verdict) return [refused(verdict.refusal)];
      const contextValue: OperationContext = {
        requestId: randomUUID(),
        identity: verdict.identity,
        clientAddress: caller.address,
      };
      const operation = prepareOperation(payload, subscriptions, options.limits, logger);
      if (operation.kind === 'refused') return operation.errors;
      // Returning ExecutionArgs makes graphql-ws skip its own (uncoded) validation:
      // Apollo validates queries and mutations, the planner validated subscriptions.
      if (operation.kind === 'operation') {
        return {
          schema: operation.schema,
          document: operation.document,
          operationName: payload.operationName ?? undefined,
          variableValues: payload.variables ?? undefined,
          contextValue,
        };
      }
      const restricted = guard.admit(verdict.identity, operation.prepared.document, operation.prepared.operationName);
      if (restricted) return [refused(restricted)];
      const started = await live.subscribe(operation.prepared, operation.planner, operation.variables, contextValue);
      if ('refusal' in started) return [refused(started.refusal)];
      contextValue.stream = started.stream;
      return {
        schema: operation.planner.schema,
        document: operation.prepared.document,
        operationName: operation.prepared.operationName,
        variableValues: operation.variables,
        contextValue,
      };
    },
    async execute(args): Promise<ExecutionResult> {
      const { stream: _none, ...contextValue } = args.contextValue as OperationContext;
      const response = await apollo.executeOperation(
        {
          query: print(args.document),
          variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined,
          operationName: args.operationName ?? undefined,
        },
        { contextValue },
      );
      if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported over websocket');
      return response.body.singleResult as ExecutionResult;
    },
    subscribe(args) {
      const stream = (args.contextValue as OperationContext).stream;
      if (!stream) throw new Error('subscription was not started by onSubscribe');
      return stream as unknown as AsyncGenerator<ExecutionResult>;
    },
    // Results are already formatted (Apollo's for queries, masked ones for subscriptions):
    // send them as they are rather than calling GraphQLError#toJSON on plain objects.
    onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
  };
}

function refused(refusal: GuardRefusal): GraphQLError {
  return new GraphQLError(refusal.message, { extensions: refusal.extensions });
}

/** Lets the last results and completes reach the client, then closes with 4401/4403. */
async function closeAfterFlush(ctx: Context<Record<string, unknown>, WsExtra>, end: SessionEnd): Promise<void> {
  const deadline = Date.now() + FLUSH_BEFORE_CLOSE_MS;
  while (Object.keys(ctx.subscriptions).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  ctx.extra.socket.close(end.closeCode, end.message);
}
