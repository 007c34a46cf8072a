// Create or edit a companion: name, description, personality traits, visibility.
import { useMutation } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import {
  CreateCompanionDocument,
  UpdateCompanionDocument,
  type CompanionFieldsFragment,
  type Visibility,
} from '../../../generated/graphql';
import { describeError } from '../errors';

export function CompanionForm(props: { editing?: CompanionFieldsFragment; onDone: () => void }) {
  const { editing } = props;
  const ids = { name: useId(), description: useId(), personality: useId(), visibility: useId() };
  const [name, setName] = useState(editing?.name ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [personality, setPersonality] = useState(editing?.personality.join(', ') ?? '');
  const [visibility, setVisibility] = useState<Visibility>(editing?.visibility ?? 'PRIVATE');
  const [create, created] = useMutation(CreateCompanionDocument, {
    refetchQueries: ['MyCompanions', 'Companions', 'WebPlanUsage'],
  });
  const [update, updated] = useMutation(UpdateCompanionDocument);
  const error = created.error ?? updated.error;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = {
      name,
      description,
      personality: personality
        .split(',')
        .map((trait) => trait.trim())
        .filter(Boolean),
      visibility,
    };
    const ok = editing
      ? await update({ variables: { id: editing.id, input } }).catch(() => null)
      : await create({ variables: { input } }).catch(() => null);
    if (ok?.data) props.onDone();
  }

  return (
    <form className="card" onSubmit={submit} aria-label={editing ? `Edit ${editing.name}` : 'New companion'}>
      <h3>{editing ? `Edit ${editing.name}` : 'New companion'}</h3>
      <div className="field">
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} value={name} required onChange={(event) => setName(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.description}>Description</label>
        <textarea
          id={ids.description}
          value={description}
          required
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.personality}>Personality traits (comma-separated)</label>
        <input id={ids.personality} value={personality} onChange={(event) => setPersonality(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.visibility}>Visibility</label>
        <select
          id={ids.visibility}
          value={visibility}
          onChange={(event) => setVisibility(event.target.value as Visibility)}
        >
          <option value="PRIVATE">Private (only you)</option>
          <option value="PUBLIC">Public</option>
        </select>
      </div>
      {error && (
        <p role="alert" className="error">
          {describeError(error)}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={created.loading || updated.loading}>
          {editing ? 'Save companion' : 'Create companion'}
        </button>
        <button type="button" className="secondary" onClick={props.onDone}>
          Close
        </button>
      </div>
    </form>
  );
}
