// The display name, edited in place; the API's validation error is shown beside the field.
import { useMutation } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import { UpdateProfileDocument } from '../../../generated/graphql';
import { describeError } from '../errors';
import { userUpdated } from '../session';

export function ProfileSection(props: { displayName: string; email: string | null }) {
  const ids = { name: useId(), error: useId() };
  const [displayName, setDisplayName] = useState(props.displayName);
  const [saved, setSaved] = useState(false);
  const [update, { loading, error, reset }] = useMutation(UpdateProfileDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const result = await update({ variables: { input: { displayName } } }).catch(() => null);
    if (!result?.data) return;
    const user = result.data.updateProfile;
    setDisplayName(user.displayName);
    // The header shows the session's copy of the user.
    userUpdated({ displayName: user.displayName });
    setSaved(true);
  }

  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      {props.email && (
        <p>
          Email: <strong>{props.email}</strong>
        </p>
      )}
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.name}>Display name</label>
          <input
            id={ids.name}
            value={displayName}
            autoComplete="nickname"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? ids.error : undefined}
            onChange={(event) => {
              setDisplayName(event.target.value);
              setSaved(false);
              reset();
            }}
          />
        </div>
        {error && (
          <p id={ids.error} role="alert" className="error">
            {describeError(error)}
          </p>
        )}
        {saved && <p role="status">Display name saved.</p>}
        <button type="submit" disabled={loading}>
          Save profile
        </button>
      </form>
    </section>
  );
}
