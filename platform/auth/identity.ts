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

/** Headers the gateway uses to hand identity to subgraphs. */
export const IdentityHeader = {
  secret: 'x-gateway-secret',
  userId: 'x-user-id',
  role: 'x-user-role',
  sessionId: 'x-session-id',
  requestId: 'x-request-id',
} as const;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function identityToHeaders(identity: Identity | null): Record<string, string> {
  if (!identity) return {};
  return {
    [IdentityHeader.userId]: identity.userId,
    [IdentityHeader.role]: identity.role,
    [IdentityHeader.sessionId]: identity.sessionId,
  };
}

type HeaderBag = Record<string, string | string[] | undefined>;

export function identityFromHeaders(headers: HeaderBag): Identity | null {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const userId = one(IdentityHeader.userId);
  const role = one(IdentityHeader.role);
  const sessionId = one(IdentityHeader.sessionId);
  if (!userId || !sessionId || !isRole(role)) return null;
  return { userId, role, sessionId };
}
