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
}

const KEY = 'nexus.session';
/** Renew this long before expiry, so a request never leaves with a token about to lapse. */
const RENEW_BEFORE_MS = 30_000;

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

/** Renews ahead of expiry while the tab is open, so a long-idle page still works when used. */
function schedule(): void {
  clearTimeout(timer);
  if (!current) return;
  const due = Date.parse(current.expiresAt) - RENEW_BEFORE_MS - Date.now();
  timer = setTimeout(() => void freshToken(), Math.max(due, 1_000));
}

export function signedIn(payload: AuthPayloadFieldsFragment): void {
  save({ ...payload });
}

export function signedOut(): void {
  save(null);
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
  const body = (await response.json()) as { data?: { refreshToken?: AuthPayloadFieldsFragment } | null };
  const payload = body.data?.refreshToken;
  if (!payload) {
    // The refresh token was revoked or expired: the session is over.
    signedOut();
    return null;
  }
  signedIn(payload);
  return payload.accessToken;
}

/** A valid access token (renewed first if it is about to expire), or null when signed out. */
export async function freshToken(): Promise<string | null> {
  if (!current) return null;
  if (Date.parse(current.expiresAt) - Date.now() > RENEW_BEFORE_MS) return current.accessToken;
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
