import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, isMaskedInternal, maskError } from '../errors.js';
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
            if (isVariableCoercionError(error)) {
              // graphql-js rejects bad variables before any resolver runs; the gateway passes them on without a code.
              Object.assign(error.extensions, { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } });
              continue;
            }
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

/** An error graphql-js raised itself while coercing variables: no code, no path, no thrown cause. */
function isVariableCoercionError(error: GraphQLError): boolean {
  if (error.extensions?.code || error.path) return false;
  const cause = error.originalError;
  return (
    (!cause || cause instanceof GraphQLError) &&
    /^Variable "\$|cannot represent|of required type|is not defined by type/.test(error.message)
  );
}
