import type { ApolloServer } from '@apollo/server';
import { print, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import { randomUUID } from 'node:crypto';
import type { AccessTokenIssuer } from '../platform/auth/jwt.js';
import type { Identity } from '../platform/auth/identity.js';
import type { Revocations } from '../platform/auth/revocation.js';
import type { Logger } from '../platform/logger.js';
import type { GatewayContext } from './gateway-context.js';
import { authenticate } from './authenticate.js';

interface SocketState {
  identity: Identity | null;
  address: string;
}

type WsExtra = Extra & Partial<SocketState>;

/**
 * graphql-ws on the gateway's port. Auth arrives as `authorization` in the
 * connection_init payload (same value as the HTTP header); a bad token closes the
 * socket with 4403. Queries and mutations run through the same Apollo pipeline as
 * HTTP (limits, masking, metrics).
 */
export function executeOverWebSocket(options: {
  apollo: ApolloServer<GatewayContext>;
  tokens: AccessTokenIssuer;
  revocations: Revocations;
  schemaOf: () => GraphQLSchema | undefined;
  logger: Logger;
}): ServerOptions<Record<string, unknown>, WsExtra> {
  const { apollo, tokens, revocations, logger } = options;
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
    context: (ctx): GatewayContext => ({
      requestId: randomUUID(),
      identity: ctx.extra.identity ?? null,
      clientAddress: ctx.extra.address ?? 'unknown',
    }),
    async execute(args): Promise<ExecutionResult> {
      const response = await apollo.executeOperation(
        {
          query: print(args.document),
          variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined,
          operationName: args.operationName ?? undefined,
        },
        { contextValue: args.contextValue as GatewayContext },
      );
      if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported over websocket');
      return response.body.singleResult as ExecutionResult;
    },
  };
}
