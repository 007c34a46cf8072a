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

/**
 * Estimated cost: one per field, times `first`/`limit` arguments (or the number of `ids`).
 * Remembered per schema, document (Apollo's document store and the subscription planner
 * hand out one parsed document per query text) and variables shape: a thousand clients
 * subscribing with the same text cost one estimate.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
): number {
  let bySchema = costCache.get(schema);
  if (!bySchema) costCache.set(schema, (bySchema = new WeakMap()));
  let byShape = bySchema.get(document);
  if (!byShape) bySchema.set(document, (byShape = new Map()));
  const key = `${operationName ?? ''}\n${variablesShape(variables)}`;
  const cached = byShape.get(key);
  if (cached !== undefined) return cached;
  const cost = computeCost(schema, document, variables, operationName);
  if (byShape.size >= SHAPES_PER_DOCUMENT) byShape.delete(byShape.keys().next().value!);
  byShape.set(key, cost);
  return cost;
}

const costCache = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, number>>>();
const SHAPES_PER_DOCUMENT = 64;

/**
 * What of the variables can change the estimate: numbers (`first`, `limit`), booleans
 * (@skip/@include), list lengths (`ids`) and object structure; never a string's text.
 */
export function variablesShape(variables: Record<string, unknown>): string {
  return JSON.stringify(variables, (_key, value: unknown) => (typeof value === 'string' ? '' : value));
}

function computeCost(
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
