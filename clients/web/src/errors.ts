// Turns GraphQL and network errors into one plain sentence for the user.
import { CombinedGraphQLErrors } from '@apollo/client/errors';

export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const code = first?.extensions?.code;
    if (code === 'RATE_LIMITED') return 'Too many attempts; wait a moment and try again.';
    return first?.message ?? 'The request failed.';
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
