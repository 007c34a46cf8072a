import type { ApolloServer } from '@apollo/server';
import {
  getVariableValues,
  GraphQLError,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import { randomUUID } from 'node:crypto';
import type { AccessTokenIssuer } from '../platform/auth/jwt.js';
import type { Identity } from '../platform/auth/identity.js';
import type { Revocations } from '../platform/auth/revocation.js';
import { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { GatewayContext } from './gateway-context.js';
import { authenticate } from './authenticate.js';
import type { FederatedSubscriptions } from './federated-subscriptions.js';
import { operationCost, tooExpensive } from './limits.js';
import type { PreparedSubscription, SubscriptionPlanner } from './subscription-planner.js';

interface SocketState {
  identity: Identity | null;
  address: string;
}

type WsExtra = Extra & Partial<SocketState>;

/** What onSubscribe decided for a subscription, found again by its (cached, shared) document. */
interface Accepted {
  prepared: PreparedSubscription;
  planner: SubscriptionPlanner;
}

/**
 * graphql-ws on the gateway's port. Auth arrives as `authorization` in the
 * connection_init payload (same value as the HTTP header); a bad token closes the
 * socket with 4403, no token connects anonymously. Queries and mutations run through
 * the same Apollo pipeline as HTTP (limits, masking, metrics); subscriptions are
 * validated with the same limits here and run as federated subscriptions.
 */
export function executeOverWebSocket(options: {
  apollo: ApolloServer<GatewayContext>;
  tokens: AccessTokenIssuer;
  revocations: Revocations;
  schemaOf: () => GraphQLSchema | undefined;
  subscriptions: FederatedSubscriptions;
  maxQueryCost: number;
  logger: Logger;
}): ServerOptions<Record<string, unknown>, WsExtra> {
  const { apollo, tokens, revocations, subscriptions, logger } = options;
  const accepted = new WeakMap<DocumentNode, Accepted>();
  return {
    schema: () => {
      const schema = options.schemaOf();
      if (!schema) throw new Error('gateway schema not loaded yet');
      return schema;
    },
    async onConnect(ctx) {
      const header = ctx.connectionParams?.authorization;
      const auth = await authenticate(typeof header === 'string' ? header : undefined, tokens, revocations);
      if ('error' in auth) {
        logger.info({ reason: auth.error }, 'websocket refused');
        return false;
      }
      ctx.extra.identity = auth.identity;
      ctx.extra.address = ctx.extra.request.socket.remoteAddress ?? 'unknown';
      return true;
    },
    onSubscribe(_ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] | void {
      const planner = subscriptions.currentPlanner();
      if (!planner)
        return [new GraphQLError('Gateway is starting', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } })];
      let preparation: ReturnType<SubscriptionPlanner['prepare']>;
      try {
        preparation = planner.prepare(payload.query, payload.operationName ?? undefined);
      } catch (error) {
        // A planner failure on a valid document: the client gets the usual masked error.
        logger.error({ err: error, operation: payload.operationName }, 'subscription planning failed');
        return [new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } })];
      }
      // Queries and mutations: graphql-ws parses and validates, then execute() below.
      if ('notSubscription' in preparation) return;
      if ('errors' in preparation) return preparation.errors;
      const { prepared } = preparation;
      const variables = payload.variables ?? {};
      const coerced = getVariableValues(planner.schema, prepared.operation.variableDefinitions ?? [], variables);
      if (coerced.errors) {
        return coerced.errors.map(
          (error) =>
            new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } }),
        );
      }
      const cost = operationCost(planner.schema, prepared.document, coerced.coerced, prepared.operationName);
      if (cost > options.maxQueryCost) return [tooExpensive(cost, options.maxQueryCost)];
      accepted.set(prepared.document, { prepared, planner });
      return {
        schema: planner.schema,
        document: prepared.document,
        operationName: prepared.operationName,
        variableValues: variables,
      };
    },
    context: (ctx): GatewayContext => ({
      requestId: randomUUID(),
      identity: ctx.extra.identity ?? null,
      clientAddress: ctx.extra.address ?? 'unknown',
    }),
    async execute(args): Promise<ExecutionResult> {
      const contextValue = args.contextValue as GatewayContext;
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
      const found = accepted.get(args.document);
      if (!found) throw new Error('subscription was not prepared by onSubscribe');
      return subscriptions.start(
        found.prepared,
        found.planner,
        (args.variableValues ?? {}) as Record<string, unknown>,
        args.contextValue as GatewayContext,
      ) as unknown as AsyncGenerator<ExecutionResult>;
    },
    // Results are already formatted (Apollo's for queries, masked ones for subscriptions):
    // send them as they are rather than calling GraphQLError#toJSON on plain objects.
    onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
  };
}
