import type { ApolloServerPlugin } from '@apollo/server';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { restrictionExtensions, type Identity } from '../platform/auth/identity.js';
import { ErrorCode } from '../platform/errors.js';
import type { GatewayContext } from './gateway-context.js';
import type { GuardRefusal } from './operation-guard.js';

/**
 * What a restricted session (a suspended or banned user, see docs/sanctions.md) may run:
 * these root fields only, a declared list that later work extends. Nested fields are checked
 * again by the subgraphs (platform/auth/restricted-access.ts), e.g. `me { companions }`.
 */
export const RESTRICTED_ROOT_FIELDS: ReadonlySet<string> = new Set([
  // the account itself
  'me',
  'logout',
  'refreshToken',
  'login',
  // its moderation decisions (`me { warnings }` is a field of User) and appeals
  'moderationCase',
  'appealDecision',
  // its data
  'requestDataExport',
  'dataExport',
  'deleteAccount',
]);

/** Root fields of the operation to run, fragments expanded. */
function rootFields(document: DocumentNode, operationName?: string | null): string[] {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const names: string[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.push(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return names;
}

/**
 * The one check of every transport (HTTP, and WebSocket, SSE and multipart through the same
 * Apollo execution; subscriptions through the operation guard): null when the identity may
 * run the operation, else a FORBIDDEN refusal with the sanction's reason and end.
 */
export function restrictedRefusal(
  identity: Identity | null,
  document: DocumentNode,
  operationName?: string | null,
): GuardRefusal | null {
  const restriction = identity?.restricted;
  if (!restriction) return null;
  const refused = rootFields(document, operationName).find(
    (name) => name !== '__typename' && !RESTRICTED_ROOT_FIELDS.has(name),
  );
  if (refused === undefined) return null;
  const what = restriction.status === 'BANNED' ? 'banned' : 'suspended';
  return {
    message: `Account is ${what}: this session may only read and appeal moderation decisions`,
    extensions: { code: ErrorCode.FORBIDDEN, ...restrictionExtensions(restriction), field: refused },
  };
}

/** Queries and mutations on every transport run through Apollo: refused here, before planning. */
export function restrictedSessionsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, contextValue }) {
          const refusal = restrictedRefusal(contextValue.identity, document, operationName);
          if (refusal) {
            throw new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, http: { status: 403 } } });
          }
        },
      };
    },
  };
}
