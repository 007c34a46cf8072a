// Deleting the account: the password confirms it; afterwards the app is signed out and says so.
import { useApolloClient, useMutation } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import { WebDeleteAccountDocument } from '../../../generated/graphql';
import { describeError } from '../errors';
import { navigate } from '../router';
import { signedOut } from '../session';

export const ACCOUNT_DELETED =
  'Your account has been deleted: you are signed out, and your data is being erased. This cannot be undone.';

export function DeleteAccountSection() {
  const ids = { password: useId(), error: useId() };
  const client = useApolloClient();
  const [password, setPassword] = useState('');
  const [deleteAccount, { loading, error }] = useMutation(WebDeleteAccountDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await deleteAccount({ variables: { password } }).catch(() => null);
    if (!result?.data?.deleteAccount) return;
    // Every session is already revoked server-side; forget the tokens and every cached result.
    signedOut(ACCOUNT_DELETED);
    await client.clearStore();
    navigate('/signin');
  }

  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete my account</h2>
      <p>
        This signs you out everywhere at once and erases your profile, companions and conversations. It cannot be
        undone.
      </p>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.password}>Password to confirm</label>
          <input
            id={ids.password}
            type="password"
            value={password}
            required
            autoComplete="current-password"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? ids.error : undefined}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        {error && (
          <p id={ids.error} role="alert" className="error">
            {describeError(error)}
          </p>
        )}
        <button type="submit" className="danger" disabled={loading}>
          Delete my account
        </button>
      </form>
    </section>
  );
}
