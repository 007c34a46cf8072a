/** Roles and statuses shared by the gateway and every subgraph. */
export const ROLES = ['USER', 'MODERATOR', 'ANALYST', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const USER_STATUSES = ['ACTIVE', 'WARNED', 'SUSPENDED', 'BANNED', 'DELETED'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** Statuses that may not authenticate or use an existing token. */
export const BLOCKED_STATUSES: ReadonlySet<UserStatus> = new Set(['SUSPENDED', 'BANNED', 'DELETED']);

/** Statuses that still sign in, but only to a restricted session (see docs/sanctions.md). */
export const RESTRICTED_STATUSES: ReadonlySet<UserStatus> = new Set(['SUSPENDED', 'BANNED']);

/**
 * A restricted session of a suspended or banned user: it may read its own moderation
 * decisions, appeal, export or delete its data, and nothing else.
 */
export interface Restriction {
  status: 'SUSPENDED' | 'BANNED';
  /** End of the suspension in epoch milliseconds (null: a ban, or no end known). */
  until: number | null;
}

/** Who is calling, as verified by the gateway. */
export interface Identity {
  userId: string;
  role: Role;
  sessionId: string;
  /** Present only on a restricted session. */
  restricted?: Restriction;
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

export function isRestriction(value: unknown): value is Restriction {
  if (typeof value !== 'object' || value === null) return false;
  const { status, until } = value as Partial<Restriction>;
  return (status === 'SUSPENDED' || status === 'BANNED') && (until === null || typeof until === 'number');
}

/** What a restricted session is told when it asks for more: a stable reason and the end, if any. */
export function restrictionExtensions(restriction: Restriction): Record<string, unknown> {
  return {
    reason: `ACCOUNT_${restriction.status}`,
    suspendedUntil: restriction.until === null ? null : new Date(restriction.until).toISOString(),
  };
}
