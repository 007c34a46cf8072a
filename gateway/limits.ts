import type { ApolloServerPlugin } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../platform/errors.js';
import type { RateLimiter } from '../platform/state/shared-state.js';
import type { GatewayContext } from './gateway-context.js';

/** Rejects documents with more than `max` aliased fields (alias flooding multiplies work cheaply). */
export function aliasLimit(max: number): ValidationRule {
  return (context: ValidationContext) => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) {
          context.reportError(
            new GraphQLError(`Too many aliases: at most ${max}`, {
              nodes: [node],
              extensions: { code: ErrorCode.QUERY_TOO_COMPLEX },
            }),
          );
        }
      },
    };
  };
}

export function depthRule(max: number): ValidationRule {
  return depthLimit(max) as unknown as ValidationRule;
}

/** Estimated cost: one per field, times `first`/`limit` arguments (or the number of `ids`). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
): number {
  return getComplexity({
    schema,
    query: document,
    variables,
    operationName,
    estimators: [
      (args) => {
        const size = Number(
          args.args.first ?? args.args.limit ?? (Array.isArray(args.args.ids) ? args.args.ids.length : 1),
        );
        return (Number.isFinite(size) && size > 0 ? size : 1) * (1 + args.childComplexity);
      },
      simpleEstimator({ defaultComplexity: 1 }),
    ],
  });
}

export function tooExpensive(cost: number, max: number, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(`Query is too expensive: cost ${cost}, limit ${max}`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, cost, limit: max, ...extra },
  });
}

/** The estimated cost must stay under the limit. */
export function costLimitPlugin(max: number, schemaOf: () => GraphQLSchema): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const cost = operationCost(schemaOf(), document, request.variables ?? {}, request.operationName ?? undefined);
          if (cost > max) throw tooExpensive(cost, max, { http: { status: 400 } });
        },
      };
    },
  };
}

const AUTH_FIELDS = new Set(['login', 'register', 'refreshToken', 'changePassword']);

/** Sign-in style mutations get the tighter per-client budget (brute force and credential stuffing). */
export function authRateLimitPlugin(limiter: RateLimiter): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          const touchesAuth =
            !!operation &&
            operation.selectionSet.selections.some(
              (selection) => selection.kind === Kind.FIELD && AUTH_FIELDS.has(selection.name.value),
            );
          if (!touchesAuth) return;
          const decision = await limiter.consume(contextValue.clientAddress);
          if (!decision.allowed) {
            throw new GraphQLError('Too many sign-in attempts; slow down', {
              extensions: {
                code: ErrorCode.RATE_LIMITED,
                retryAfterMs: decision.retryAfterMs,
                http: { status: 429 },
              },
            });
          }
        },
      };
    },
  };
}
