/** Roles and statuses shared by the gateway and every subgraph. */
export const ROLES = ['USER', 'MODERATOR', 'ANALYST', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const USER_STATUSES = ['ACTIVE', 'WARNED', 'SUSPENDED', 'BANNED', 'DELETED'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** Statuses that may not authenticate or use an existing token. */
export const BLOCKED_STATUSES: ReadonlySet<UserStatus> = new Set(['SUSPENDED', 'BANNED', 'DELETED']);

/** Who is calling, as verified by the gateway. */
export interface Identity {
  userId: string;
  role: Role;
  sessionId: string;
}

/**
 * How the gateway hands identity to subgraphs: the shared secret on every HTTP request and
 * graphql-ws connection, and a signed identity token (platform/auth/signed-identity.ts)
 * per operation: in a header over HTTP, in the subscribe message's `extensions` over
 * graphql-ws (one upstream socket serves many users). Plain user-id headers mean nothing.
 */
export const IdentityHeader = {
  secret: 'x-gateway-secret',
  identity: 'x-nexus-identity',
  requestId: 'x-request-id',
} as const;

/** Keys of a graphql-ws subscribe payload's `extensions` the gateway fills per operation. */
export const IdentityExtension = {
  identity: 'nexusIdentity',
  requestId: 'requestId',
} as const;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
