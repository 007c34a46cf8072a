import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { isMaskedInternal, maskError } from '../errors.js';
import type { Logger } from '../logger.js';

interface LoggedContext extends BaseContext {
  requestId: string;
}

/**
 * Masks internal errors in every response (the client sees INTERNAL_SERVER_ERROR and
 * the request id, never a message, stack or SQL) and logs each operation once.
 */
export function errorsAndLogsPlugin<Ctx extends LoggedContext>(logger: Logger): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (isMaskedInternal(maskError({ message: error.message, extensions: code ? { code } : {} }))) {
              logger.error(
                {
                  requestId: contextValue.requestId,
                  operation: operationName,
                  err: error.originalError ?? error,
                  path: error.path,
                },
                'internal error',
              );
            }
          }
        },
        async willSendResponse({ response, operationName }) {
          let codes: string[] = [];
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            const masked = response.body.singleResult.errors.map((error: GraphQLFormattedError) =>
              maskError(error, contextValue.requestId),
            );
            response.body.singleResult.errors = masked;
            codes = masked.map((error) => String(error.extensions?.code));
          }
          logger.info(
            {
              requestId: contextValue.requestId,
              operation: operationName ?? null,
              durationMs: Math.round((performance.now() - started) * 100) / 100,
              errors: codes.length ? codes : undefined,
            },
            'graphql request',
          );
        },
      };
    },
  };
}
