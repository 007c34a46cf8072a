import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  visit,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../platform/errors.js';

/** `reason` values of the refusals below; clients may rely on them. */
export const HygieneReason = {
  OPERATION_NAME_REQUIRED: 'OPERATION_NAME_REQUIRED',
  UNKNOWN_OPERATION_NAME: 'UNKNOWN_OPERATION_NAME',
  INVALID_STRING: 'INVALID_STRING',
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  PERSISTED_QUERY_VERSION_UNSUPPORTED: 'PERSISTED_QUERY_VERSION_UNSUPPORTED',
} as const;

const BAD = { http: { status: 400 } };

/**
 * Custom validation rules (depth, aliases) follow fragment spreads recursively and overflow the
 * stack on a fragment cycle. Such a document is skipped by them: graphql-js's own NoFragmentCycles
 * rule reports it as GRAPHQL_VALIDATION_FAILED.
 */
export function skipOnFragmentCycles(rules: ValidationRule[]): ValidationRule[] {
  return rules.map((rule) => (context) => (hasFragmentCycle(context.getDocument()) ? {} : rule(context)));
}

const cycles = new WeakMap<DocumentNode, boolean>();

export function hasFragmentCycle(document: DocumentNode): boolean {
  const known = cycles.get(document);
  if (known !== undefined) return known;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const spreadsOf = new Map<string, string[]>();
  for (const [name, fragment] of fragments) {
    const spreads: string[] = [];
    visit(fragment.selectionSet, { FragmentSpread: (node) => void spreads.push(node.name.value) });
    spreadsOf.set(name, spreads);
  }
  // Depth-first search with an explicit stack: a long chain of fragments must not overflow either.
  const state = new Map<string, 'open' | 'done'>();
  let found = false;
  for (const start of fragments.keys()) {
    if (found || state.has(start)) continue;
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length && !found) {
      const top = stack[stack.length - 1]!;
      const spreads = spreadsOf.get(top.name) ?? [];
      if (top.next === spreads.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const child = spreads[top.next++]!;
      if (!fragments.has(child)) continue; // unknown fragment: KnownFragmentNames reports it
      const seen = state.get(child);
      if (seen === 'open') found = true;
      else if (!seen) {
        state.set(child, 'open');
        stack.push({ name: child, next: 0 });
      }
    }
  }
  cycles.set(document, found);
  return found;
}

// Code units, no `u` flag: a high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string PostgreSQL and UTF-8 cannot store as sent: a NUL character or an unpaired surrogate. */
export function invalidStringProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'a NUL character';
  if (LONE_SURROGATE.test(value)) return 'an unpaired UTF-16 surrogate';
  return null;
}

/** Where a string that cannot be stored was found, and what is wrong with it. */
export interface InvalidString {
  path: string;
  problem: string;
  node?: ASTNode;
}

/** The first string in the variables that cannot be stored, with its path (`$input.personality[1]`). */
export function findInvalidVariable(variables: unknown): InvalidString | null {
  const walk = (value: unknown, path: string): InvalidString | null => {
    if (typeof value === 'string') {
      const problem = invalidStringProblem(value);
      return problem ? { path, problem } : null;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = walk(value[i], `${path}[${i}]`);
        if (found) return found;
      }
      return null;
    }
    if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        const keyProblem = invalidStringProblem(key);
        if (keyProblem) return { path, problem: `${keyProblem} in a field name` };
        const found = walk(inner, path ? `${path}.${key}` : `$${key}`);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(variables, '');
}

const literalProblems = new WeakMap<DocumentNode, InvalidString | null>();

/** The first string literal in the document that cannot be stored (`"\u0000"` parses fine). */
export function findInvalidLiteral(document: DocumentNode): InvalidString | null {
  if (literalProblems.has(document)) return literalProblems.get(document)!;
  let found: InvalidString | null = null as InvalidString | null;
  const names: string[] = [];
  visit(document, {
    Argument: {
      enter: (node) => void names.push(node.name.value),
      leave: () => void names.pop(),
    },
    ObjectField: {
      enter: (node) => void names.push(node.name.value),
      leave: () => void names.pop(),
    },
    StringValue(node) {
      const problem = invalidStringProblem(node.value);
      if (!problem) return undefined;
      found = { path: names.join('.'), problem, node };
      return false;
    },
  });
  literalProblems.set(document, found);
  return found;
}

/** BAD_USER_INPUT / INVALID_STRING for the first unstorable string in the document or its variables. */
export function invalidStringError(document: DocumentNode, variables: unknown): GraphQLError | null {
  const bad = findInvalidLiteral(document) ?? findInvalidVariable(variables ?? {});
  if (!bad) return null;
  return new GraphQLError(`${bad.path || 'A string'} contains ${bad.problem}`, {
    nodes: bad.node,
    extensions: {
      code: ErrorCode.BAD_USER_INPUT,
      reason: HygieneReason.INVALID_STRING,
      ...(bad.path ? { field: bad.path } : {}),
    },
  });
}

/** Removes graphql-js's "Did you mean …?" hints, which spell out the schema. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean [^?]*\?$/, '');
}

export interface RequestHygieneOptions {
  /** Production: strip field, type and enum suggestions from every error message. */
  hideSchemaDetails: boolean;
}

/**
 * Turns inputs Apollo or the query planner would answer with a 500 (or a code-less 400) into
 * 400s with a stable code: an ambiguous or unknown operation name, strings with NUL characters
 * or unpaired surrogates, automatic persisted queries whose hash or version is wrong. Must come
 * before the logging plugin so these are not logged as internal errors.
 */
export function requestHygienePlugin<Ctx extends BaseContext>(options: RequestHygieneOptions): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) {
            const multiple = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length > 1;
            throw multiple && !request.operationName
              ? new GraphQLError('The document has several operations: say which one with operationName', {
                  extensions: { code: ErrorCode.BAD_REQUEST, reason: HygieneReason.OPERATION_NAME_REQUIRED, ...BAD },
                })
              : new GraphQLError(`No operation named "${request.operationName ?? ''}" in the document`, {
                  extensions: { code: ErrorCode.BAD_REQUEST, reason: HygieneReason.UNKNOWN_OPERATION_NAME, ...BAD },
                });
          }
          const invalid = invalidStringError(document, request.variables);
          if (invalid) {
            Object.assign(invalid.extensions, BAD);
            throw invalid;
          }
        },
        async didEncounterErrors({ request, errors }) {
          const persisted = request.extensions?.persistedQuery as { version?: unknown } | undefined;
          if (!persisted) return;
          // Apollo refuses a wrong APQ version or hash with a 400 but no code (it would be masked as internal).
          for (const error of errors) {
            if (error.extensions.code || (error.extensions.http as { status?: number } | undefined)?.status !== 400) {
              continue;
            }
            Object.assign(error.extensions, {
              code: ErrorCode.BAD_REQUEST,
              reason:
                persisted.version === 1
                  ? HygieneReason.PERSISTED_QUERY_HASH_MISMATCH
                  : HygieneReason.PERSISTED_QUERY_VERSION_UNSUPPORTED,
            });
          }
        },
        async willSendResponse({ response }) {
          if (!options.hideSchemaDetails || response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (errors) {
            response.body.singleResult.errors = errors.map((error) => ({
              ...error,
              message: withoutSuggestions(error.message),
            }));
          }
        },
      };
    },
  };
}
