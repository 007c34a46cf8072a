import { getVariableValues, GraphQLError, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { FederatedSubscriptions } from './federated-subscriptions.js';
import { operationCost, tooExpensive } from './limits.js';
import { invalidStringError, withoutSuggestions } from './request-hygiene.js';
import type { PreparedSubscription, SubscriptionPlanner } from './subscription-planner.js';

export interface OperationRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface PreparationLimits {
  maxQueryCost: number;
  /** Production: no "Did you mean …?" hints in refusals (they spell out the schema). */
  hideSchemaDetails: boolean;
}

export type PreparedOperation =
  | {
      kind: 'subscription';
      prepared: PreparedSubscription;
      planner: SubscriptionPlanner;
      variables: Record<string, unknown>;
    }
  /** A query or mutation, left to Apollo (which validates, limits and masks as for HTTP). */
  | { kind: 'operation'; document: DocumentNode; schema: GraphQLSchema }
  | { kind: 'refused'; errors: GraphQLError[] };

/**
 * What every streaming transport does with an incoming operation before running it:
 * parse, validate and plan subscriptions with the gateway's limits (depth, aliases,
 * cost), coerce their variables, refuse strings that cannot be stored (as HTTP does);
 * every refusal carries a stable extensions.code.
 */
export function prepareOperation(
  request: OperationRequest,
  subscriptions: FederatedSubscriptions,
  limits: PreparationLimits,
  logger: Logger,
): PreparedOperation {
  const prepared = prepareUnmasked(request, subscriptions, limits.maxQueryCost, logger);
  if (prepared.kind !== 'refused' || !limits.hideSchemaDetails) return prepared;
  return {
    kind: 'refused',
    errors: prepared.errors.map(
      (error) =>
        new GraphQLError(withoutSuggestions(error.message), {
          nodes: error.nodes,
          extensions: error.extensions,
        }),
    ),
  };
}

function prepareUnmasked(
  request: OperationRequest,
  subscriptions: FederatedSubscriptions,
  maxQueryCost: number,
  logger: Logger,
): PreparedOperation {
  const refused = (message: string, code: ErrorCode): PreparedOperation => ({
    kind: 'refused',
    errors: [new GraphQLError(message, { extensions: { code } })],
  });
  if (typeof request.query !== 'string' || request.query.trim() === '') {
    return refused('A query is required', ErrorCode.BAD_REQUEST);
  }
  const planner = subscriptions.currentPlanner();
  if (!planner) return refused('Gateway is starting', ErrorCode.INTERNAL_SERVER_ERROR);
  let preparation: ReturnType<SubscriptionPlanner['prepare']>;
  try {
    preparation = planner.prepare(request.query, request.operationName ?? undefined);
  } catch (error) {
    // A planner failure on a valid document: the client gets the usual masked error.
    logger.error({ err: error, operation: request.operationName }, 'subscription planning failed');
    return refused('Internal server error', ErrorCode.INTERNAL_SERVER_ERROR);
  }
  if ('notSubscription' in preparation)
    return { kind: 'operation', document: parse(request.query), schema: planner.schema };
  if ('errors' in preparation) return { kind: 'refused', errors: preparation.errors };
  const { prepared } = preparation;
  const variables = request.variables ?? {};
  const invalid = invalidStringError(prepared.document, variables);
  if (invalid) return { kind: 'refused', errors: [invalid] };
  const coerced = getVariableValues(planner.schema, prepared.operation.variableDefinitions ?? [], variables);
  if (coerced.errors) {
    return {
      kind: 'refused',
      errors: coerced.errors.map(
        (error) =>
          new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } }),
      ),
    };
  }
  const cost = operationCost(planner.schema, prepared.document, coerced.coerced, prepared.operationName);
  if (cost > maxQueryCost) return { kind: 'refused', errors: [tooExpensive(cost, maxQueryCost)] };
  return { kind: 'subscription', prepared, planner, variables };
}
