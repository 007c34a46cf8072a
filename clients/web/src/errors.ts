// Turns GraphQL and network errors into one plain sentence for the user.
import { CombinedGraphQLErrors } from '@apollo/client/errors';

/** A time as the user's clock shows it, with the day when it is not today. */
export function localTime(iso: string): string {
  const at = new Date(iso);
  const today = at.toDateString() === new Date().toDateString();
  return today
    ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : at.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
}

/** QUOTA_EXCEEDED's extensions (docs/billing.md): which limit, its value, and when a daily one resets. */
function quotaSentence(extensions: Record<string, unknown>): string {
  const limit = Number(extensions.limit);
  const resetsAt = typeof extensions.resetsAt === 'string' ? extensions.resetsAt : null;
  switch (extensions.quota) {
    case 'MESSAGES_PER_DAY':
      return `You have sent the ${limit} messages your plan allows today. You can send again at ${resetsAt ? localTime(resetsAt) : 'midnight UTC'}, or upgrade your plan.`;
    case 'COMPANIONS_OWNED':
      return `Your plan allows ${limit} companions. Delete one or upgrade your plan to create another.`;
    case 'MESSAGE_LENGTH':
      return `Your plan allows messages of up to ${limit} characters.`;
    default:
      return 'You have reached a limit of your plan.';
  }
}

const REASONS: Record<string, string> = {
  WRONG_PASSWORD: 'The password is incorrect.',
  ALREADY_SUBSCRIBED: 'You already have a subscription.',
  REDIRECT_NOT_ALLOWED: 'Upgrades are not set up for this address of the app yet (BILLING_REDIRECT_ORIGINS).',
};

const CODES: Record<string, string> = {
  RATE_LIMITED: 'Too many attempts; wait a moment and try again.',
  BILLING_DISABLED: 'Upgrades are not available on this deployment.',
  SERVICE_UNAVAILABLE: 'The service is temporarily unavailable; try again shortly.',
};

export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const extensions = (first?.extensions ?? {}) as Record<string, unknown>;
    const code = String(extensions.code ?? '');
    if (code === 'QUOTA_EXCEEDED') return quotaSentence(extensions);
    if (code === 'RATE_LIMITED' && typeof extensions.retryAt === 'string')
      return `${first?.message ?? 'Not yet'}: you can try again at ${localTime(extensions.retryAt)}.`;
    const reason = typeof extensions.reason === 'string' ? extensions.reason : '';
    return REASONS[reason] ?? CODES[code] ?? first?.message ?? 'The request failed.';
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** The stable code of a GraphQL error (`extensions.code`), if it is one. */
export function errorCode(error: unknown): string | undefined {
  if (!CombinedGraphQLErrors.is(error)) return undefined;
  const code = error.errors[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}
