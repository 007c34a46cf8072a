import type { ApolloServerPlugin } from '@apollo/server';
import {
  getOperationAST,
  GraphQLError,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { Extensions } from 'type-graphql';
import { ErrorCode } from '../errors.js';
import type { RequestContext } from '../context.js';
import { restrictionExtensions, type Identity, type Restriction } from './identity.js';

/**
 * The subgraphs' side of restricted sessions (defence in depth behind the gateway's
 * allowlist, gateway/restricted-sessions.ts): a restricted identity may select only root
 * fields marked `@AllowRestricted()`, and through `_entities` (a field another subgraph
 * adds to an entity, e.g. `me { companions }`) only fields or types so marked.
 */
const MARK = 'nexusAllowRestricted';

/** Marks a query, mutation, entity field or object type as usable by a restricted session. */
export const AllowRestricted = () => Extensions({ [MARK]: true });

const allowedBySchema = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/**
 * Reads the marks from type-graphql's schema ("Type" and "Type.field"). The subgraph schema
 * is rebuilt from printed SDL, which drops extensions, so the marks are carried over here.
 */
export function carryRestrictedMarks(from: GraphQLSchema, to: GraphQLSchema): GraphQLSchema {
  const allowed = new Set<string>();
  for (const type of Object.values(from.getTypeMap())) {
    if (!isObjectType(type)) continue;
    if (type.extensions[MARK]) allowed.add(type.name);
    for (const field of Object.values(type.getFields())) {
      if (field.extensions[MARK]) allowed.add(`${type.name}.${field.name}`);
    }
  }
  allowedBySchema.set(to, allowed);
  return to;
}

/** The first field a restricted session may not select in this operation ("Type.field"), or null. */
export function restrictedViolation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
): string | null {
  const allowed = allowedBySchema.get(schema) ?? new Set<string>();
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null; // graphql-js refuses it anyway
  const rootType = schema.getRootType(operation.operation)?.name ?? 'Query';
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  for (const { field } of fieldsOf(operation.selectionSet, rootType, fragments)) {
    const name = field.name.value;
    if (name === '__typename') continue;
    if (name === '_entities' && operation.operation === 'query') {
      for (const entity of fieldsOf(field.selectionSet, '', fragments)) {
        const entityField = entity.field.name.value;
        if (entityField === '__typename') continue;
        if (!allowed.has(entity.type) && !allowed.has(`${entity.type}.${entityField}`)) {
          return `${entity.type || '_Entity'}.${entityField}`;
        }
      }
      continue;
    }
    if (!allowed.has(`${rootType}.${name}`)) return `${rootType}.${name}`;
  }
  return null;
}

/** The fields of a selection set with fragments expanded, each with the type condition it sits under. */
function fieldsOf(
  selectionSet: SelectionSetNode | undefined,
  type: string,
  fragments: Map<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): { field: FieldNode; type: string }[] {
  const out: { field: FieldNode; type: string }[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) out.push({ field: selection, type });
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      out.push(...fieldsOf(selection.selectionSet, selection.typeCondition?.name.value ?? type, fragments, seen));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) continue;
      seen.add(name);
      out.push(...fieldsOf(fragment.selectionSet, fragment.typeCondition.name.value, fragments, seen));
    }
  }
  return out;
}

/** The refusal a restricted session gets, with the sanction's reason and end. */
export function restrictedError(restriction: Restriction, field?: string): GraphQLError {
  const what = restriction.status === 'BANNED' ? 'banned' : 'suspended';
  return new GraphQLError(`Account is ${what}: this session may only read and appeal moderation decisions`, {
    extensions: {
      code: ErrorCode.FORBIDDEN,
      ...restrictionExtensions(restriction),
      ...(field ? { field } : {}),
      // 200: the gateway reads a subgraph's errors from the body, and a 403 would hide this one's reason.
      http: { status: 200 },
    },
  });
}

/** Refuses a restricted identity's operation before any resolver runs. */
export function refuseRestricted(
  schema: GraphQLSchema,
  identity: Identity | null,
  document: DocumentNode,
  operationName?: string | null,
): GraphQLError | null {
  if (!identity?.restricted) return null;
  const violation = restrictedViolation(schema, document, operationName);
  return violation ? restrictedError(identity.restricted, violation) : null;
}

/** Apollo plugin for a subgraph: the check on every HTTP operation. */
export function restrictedAccessPlugin<Ctx extends RequestContext>(): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, contextValue }) {
          const refusal = refuseRestricted(schema, contextValue.identity, document, operationName);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
