// Turns GraphQL errors from the moderation API into one sentence a moderator can act on,
// keyed by the stable codes and reasons documented in docs/moderation.md.
import { CombinedGraphQLErrors } from '@apollo/client/errors';

export interface ExplainedError {
  /** The stable code (and reason when there is one), e.g. `BAD_USER_INPUT/CASE_ALREADY_DECIDED`. */
  code: string;
  message: string;
}

const REASONS: Record<string, string> = {
  CASE_ALREADY_DECIDED: 'This case was already decided by someone else; the queue has been refreshed.',
  CASE_CLAIMED: 'Another moderator holds this case right now.',
  OWN_CONTENT: 'You cannot act on your own content.',
  AUTHOR_IS_STAFF: 'Content by staff can only be decided by an admin.',
  SUSPENSION_END_REQUIRED: 'A suspension needs a number of days (more than 0, at most 3650).',
  SUSPENSION_IN_PAST: 'The suspension must end in the future.',
  CASE_NOT_APPEALED: 'This case has no open appeal.',
  SAME_MODERATOR: 'The moderator who rejected the content cannot resolve its appeal.',
  REQUIRED: 'This field is required.',
  TOO_LONG: 'This text is too long.',
};

const CODES: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended: sign in again.',
  FORBIDDEN: 'The moderator console needs the MODERATOR or ADMIN role.',
  NOT_FOUND: 'This case no longer exists.',
  RATE_LIMITED: 'Too many requests: wait a moment and try again.',
  SERVICE_UNAVAILABLE: 'The moderation service is temporarily unavailable; try again shortly.',
};

export function explainError(error: unknown): ExplainedError {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const extensions = (first?.extensions ?? {}) as Record<string, unknown>;
    const code = String(extensions.code ?? 'INTERNAL_SERVER_ERROR');
    const reason = typeof extensions.reason === 'string' ? extensions.reason : undefined;
    const field = typeof extensions.field === 'string' ? extensions.field : undefined;
    const known = (reason && REASONS[reason]) ?? CODES[code];
    const prefix = field ? `${field}: ` : '';
    return {
      code: reason ? `${code}/${reason}` : code,
      message: known ? `${prefix}${known}` : (first?.message ?? 'Something went wrong.'),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'NETWORK', message: `Cannot reach the graph: ${message}` };
}

/** True when the error means "you may not see this at all", so the view shows a notice, not a retry. */
export function isForbidden(error: unknown): boolean {
  return CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'FORBIDDEN');
}
