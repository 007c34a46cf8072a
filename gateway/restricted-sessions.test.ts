import { parse } from 'graphql';
import type { Identity } from '../platform/auth/identity.js';
import { RESTRICTED_ROOT_FIELDS, restrictedRefusal } from './restricted-sessions.js';

const full: Identity = { userId: 'u1', role: 'USER', sessionId: 's1' };
const suspended: Identity = { ...full, restricted: { status: 'SUSPENDED', until: Date.UTC(2030, 0, 1) } };
const banned: Identity = { ...full, restricted: { status: 'BANNED', until: null } };

const refusal = (identity: Identity | null, query: string, operationName?: string) =>
  restrictedRefusal(identity, parse(query), operationName);

describe('restricted sessions', () => {
  test('a full session or anonymous caller runs anything', () => {
    expect(refusal(full, 'mutation { createCompanion(input: {}) { id } }')).toBeNull();
    expect(refusal(null, '{ companions { edges { cursor } } }')).toBeNull();
  });

  test('a restricted session runs the allowlist: its account, its decisions, appeals, its data', () => {
    expect(refusal(suspended, '{ me { id warnings { reason } } __typename }')).toBeNull();
    expect(refusal(suspended, 'query($id: ID!) { moderationCase(id: $id) { id } }')).toBeNull();
    expect(refusal(banned, 'mutation { appealDecision(caseId: "c", reason: "r") { id } logout }')).toBeNull();
    expect(RESTRICTED_ROOT_FIELDS).toEqual(
      new Set([
        'me',
        'logout',
        'refreshToken',
        'login',
        'moderationCase',
        'appealDecision',
        'requestDataExport',
        'dataExport',
        'deleteAccount',
      ]),
    );
  });

  test('anything else is FORBIDDEN with the reason and the end of the suspension', () => {
    expect(refusal(suspended, 'mutation { createCompanion(input: {}) { id } }')).toEqual({
      message: 'Account is suspended: this session may only read and appeal moderation decisions',
      extensions: {
        code: 'FORBIDDEN',
        reason: 'ACCOUNT_SUSPENDED',
        suspendedUntil: '2030-01-01T00:00:00.000Z',
        field: 'createCompanion',
      },
    });
    expect(refusal(banned, 'subscription { replyStream(id: "x") { done } }')?.extensions).toMatchObject({
      reason: 'ACCOUNT_BANNED',
      suspendedUntil: null,
      field: 'replyStream',
    });
  });

  test('fragments and aliases do not hide a root field; only the operation to run counts', () => {
    const hidden =
      '{ me { id } ...F } fragment F on Query { ... on Query { stolen: companions { edges { cursor } } } }';
    expect(refusal(suspended, hidden)?.extensions.field).toBe('companions');
    const two = 'query A { me { id } } query B { companions { edges { cursor } } }';
    expect(refusal(suspended, two, 'A')).toBeNull();
    expect(refusal(suspended, two, 'B')?.extensions.field).toBe('companions');
  });
});
