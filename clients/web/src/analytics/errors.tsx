// GraphQL errors from the analytics API as one sentence an analyst can act on (stable codes, docs/analytics.md).
import { CombinedGraphQLErrors } from '@apollo/client/errors';

const CODES: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended: sign in again.',
  FORBIDDEN: 'The analyst dashboard needs the ANALYST or ADMIN role.',
  RATE_LIMITED: 'Too many requests: wait a moment and try again.',
  SERVICE_UNAVAILABLE: 'The analytics service is temporarily unavailable; try again shortly.',
};

export function explainError(error: unknown): { code: string; message: string } {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const code = String(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    const field = typeof first?.extensions?.field === 'string' ? `${first.extensions.field}: ` : '';
    return { code, message: CODES[code] ?? `${field}${first?.message ?? 'Something went wrong.'}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'NETWORK', message: `Cannot reach the graph: ${message}` };
}

export const isForbidden = (error: unknown): boolean =>
  CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'FORBIDDEN');

export function ErrorText({ error }: { error: unknown }) {
  const { code, message } = explainError(error);
  return (
    <div role="alert" className="nx-error" data-code={code}>
      <strong>{message}</strong> <code>{code}</code>
    </div>
  );
}
