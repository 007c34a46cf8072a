// The signed-in session: tokens kept in localStorage, the access token renewed silently before it
// expires (one refresh in flight at a time), and listeners told when the user signs in or out.
import { print } from 'graphql';
import { RefreshTokenDocument, type AuthPayloadFieldsFragment } from '../../generated/graphql';

export type SessionUser = AuthPayloadFieldsFragment['user'];

interface Stored {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  user: SessionUser;
  /** How long before expiry to renew: 30 s, or a quarter of a shorter token lifetime. */
  renewBeforeMs?: number;
}

const KEY = 'nexus.session';
/** Renew this long before expiry, so a request never leaves with a token about to lapse. */
const RENEW_BEFORE_MS = 30_000;
/** A renewal that failed for another reason than a refused refresh token is tried again after this. */
const RETRY_MS = 3_000;

export const GRAPHQL_PATH = '/graphql';

function load(): Stored | null {
  try {
    const text = localStorage.getItem(KEY);
    return text ? (JSON.parse(text) as Stored) : null;
  } catch {
    return null;
  }
}

let current: Stored | null = load();
/** Why the last session ended, when the user should be told (shown by the sign-in page). */
let farewell: string | null = null;
let refreshing: Promise<string | null> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

function save(next: Stored | null): void {
  current = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  schedule();
  for (const listener of listeners) listener();
}

/**
 * Renews ahead of expiry while the tab is open, so a long-idle page still works when used. After each
 * attempt it plans the next: a renewal that failed (rate limited, offline) is tried again shortly.
 */
function schedule(notBeforeMs = 1_000): void {
  clearTimeout(timer);
  if (!current) return;
  const due = Date.parse(current.expiresAt) - renewBefore(current) - Date.now();
  timer = setTimeout(() => void freshToken().finally(() => schedule(RETRY_MS)), Math.max(due, notBeforeMs));
}

function renewBefore(session: Stored): number {
  return session.renewBeforeMs ?? RENEW_BEFORE_MS;
}

export function signedIn(payload: AuthPayloadFieldsFragment): void {
  // A short-lived token (ACCESS_TOKEN_TTL_SECONDS under 2 min) would otherwise be renewed on every request.
  const lifetime = Date.parse(payload.expiresAt) - Date.now();
  farewell = null;
  save({ ...payload, renewBeforeMs: Math.min(RENEW_BEFORE_MS, Math.max(lifetime / 4, 1_000)) });
}

/** Forgets the session; `message` is shown on the sign-in page (e.g. after deleting the account). */
export function signedOut(message?: string): void {
  farewell = message ?? null;
  save(null);
}

export function farewellMessage(): string | null {
  return farewell;
}

/** The profile changed (e.g. a new display name): keeps the tokens, updates what the shell shows. */
export function userUpdated(changes: Partial<SessionUser>): void {
  if (current) save({ ...current, user: { ...current.user, ...changes } });
}

export function user(): SessionUser | null {
  return current?.user ?? null;
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function refresh(refreshToken: string): Promise<string | null> {
  const response = await fetch(GRAPHQL_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(RefreshTokenDocument), variables: { refreshToken } }),
  });
  const body = (await response.json()) as {
    data?: { refreshToken?: AuthPayloadFieldsFragment } | null;
    errors?: { extensions?: { code?: string } }[];
  };
  const payload = body.data?.refreshToken;
  if (payload) {
    signedIn(payload);
    return payload.accessToken;
  }
  if (body.errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED')) {
    // The refresh token was revoked or expired: the session is over.
    signedOut('Your session has ended; sign in again.');
    return null;
  }
  // Rate limited or unavailable: the session is still good; the caller keeps the token it has.
  throw new Error(`Token renewal failed (HTTP ${response.status})`);
}

/** A valid access token (renewed first if it is about to expire), or null when signed out. */
export async function freshToken(): Promise<string | null> {
  if (!current) return null;
  if (Date.parse(current.expiresAt) - Date.now() > renewBefore(current)) return current.accessToken;
  refreshing ??= refresh(current.refreshToken)
    .catch(() => current?.accessToken ?? null)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Forces a renewal (the server said the token is no longer good). */
export async function renewNow(): Promise<string | null> {
  if (!current) return null;
  current = { ...current, expiresAt: new Date(0).toISOString() };
  return freshToken();
}

schedule();
