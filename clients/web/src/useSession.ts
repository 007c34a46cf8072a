import { useSyncExternalStore } from 'react';
import { onSessionChange, user, type SessionUser } from './session';

/** The signed-in user, re-rendering on sign in, sign out and token renewal. */
export function useSessionUser(): SessionUser | null {
  return useSyncExternalStore(onSessionChange, user);
}
