import { buildOperationContext } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  Kind,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../platform/errors.js';

type OperationContext = ReturnType<typeof buildOperationContext>;

/** A validated subscription document and its plan; shared by every subscription with the same text. */
export interface PreparedSubscription {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | undefined;
  operationContext: OperationContext;
  /** The fetch that opens the stream on the subgraph owning the root field. */
  primary: FetchNode;
  /** What runs for each event (entity fetches to other subgraphs), if anything. */
  rest: PlanNode | undefined;
}

export type Preparation = { prepared: PreparedSubscription } | { errors: GraphQLError[] } | { notSubscription: true };

const CACHE_SIZE = 500;

/**
 * Plans subscriptions on the supergraph. @apollo/gateway plans them too but refuses to
 * run them; this planner is built from the same supergraph SDL so its FetchNodes line up
 * with the gateway's data sources. Plans, parsed documents and validation results are
 * cached by query text: a thousand identical subscriptions share one of each, which
 * keeps the memory of an idle subscription small.
 */
export class SubscriptionPlanner {
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: Schema;
  private readonly planner: QueryPlanner;
  private readonly cache = new Map<string, Preparation>();

  constructor(
    supergraphSdl: string,
    /** The gateway's API schema (what clients validate against). */
    readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
  ) {
    // The gateway validated this supergraph when it loaded it.
    const supergraph = Supergraph.build(supergraphSdl, { validateSupergraph: false });
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = supergraph.apiSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** Parses, validates and plans; queries and mutations are left to the usual pipeline. */
  prepare(query: string, operationName: string | undefined): Preparation {
    const key = `${operationName ?? ''}\n${query}`;
    const cached = this.cache.get(key);
    if (cached) {
      // Map order is insertion order: re-inserting keeps the most recent last (LRU).
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const preparation = this.prepareUncached(query, operationName);
    this.cache.set(key, preparation);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return preparation;
  }

  private prepareUncached(query: string, operationName: string | undefined): Preparation {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return { errors: [withCode(error as GraphQLError, ErrorCode.GRAPHQL_PARSE_FAILED)] };
    }
    const operation = getOperationAST(document, operationName);
    if (operation && operation.operation !== 'subscription') return { notSubscription: true };
    const conditional = operation && conditionalRootField(operation.selectionSet, document);
    if (conditional) {
      // The spec forbids it; graphql-js 16's validate() throws on it and the query planner would too.
      return {
        errors: [
          new GraphQLError('The root field of a subscription cannot be conditional (@skip/@include)', {
            nodes: [conditional],
            extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
          }),
        ],
      };
    }
    let errors: readonly GraphQLError[];
    try {
      errors = validate(this.schema, document, [...specifiedRules, ...this.rules]);
    } catch (error) {
      // graphql-js 16 evaluates directives of subscription root selections while validating.
      if (!(error instanceof GraphQLError)) throw error;
      errors = [error];
    }
    if (errors.length > 0) {
      return {
        errors: errors.map((error) =>
          error.extensions?.code ? error : withCode(error, ErrorCode.GRAPHQL_VALIDATION_FAILED),
        ),
      };
    }
    if (!operation) {
      return {
        errors: [new GraphQLError('Unable to identify operation', { extensions: { code: ErrorCode.BAD_REQUEST } })],
      };
    }
    const name = operation.name?.value ?? operationName;
    const plan = this.planner.buildQueryPlan(operationFromDocument(this.apiSchema, document, { operationName: name }));
    if (plan.node?.kind !== 'Subscription') throw new Error(`subscription planned as ${plan.node?.kind ?? 'nothing'}`);
    return {
      prepared: {
        document,
        operation,
        operationName: name,
        operationContext: buildOperationContext({
          schema: this.schema,
          operationDocument: document,
          operationName: name,
        }),
        primary: plan.node.primary,
        rest: plan.node.rest,
      },
    };
  }
}

/** The first @skip/@include on the root selection (through fragments), if any. */
function conditionalRootField(selectionSet: SelectionSetNode, document: DocumentNode): ASTNode | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.directives?.some((directive) => CONDITIONS.has(directive.name.value))) return selection;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const found = conditionalRootField(selection.selectionSet, document);
      if (found) return found;
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = document.definitions.find(
        (definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
      ) as FragmentDefinitionNode | undefined;
      const found = fragment && conditionalRootField(fragment.selectionSet, document);
      if (found) return found;
    }
  }
  return undefined;
}

const CONDITIONS = new Set(['skip', 'include']);

function withCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}
