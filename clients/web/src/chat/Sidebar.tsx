// Companions (every public one plus the user's own) and the user's conversations.
import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import {
  CompanionsDocument,
  MyConversationsDocument,
  StartConversationDocument,
  type CompanionFieldsFragment,
} from '../../../generated/graphql';
import { describeError } from '../errors';
import { useSessionUser } from '../useSession';
import { CompanionForm } from './CompanionForm';
import { PlanPanel } from './PlanPanel';

export function Sidebar(props: { selected: string | null; onSelect: (conversationId: string) => void }) {
  const me = useSessionUser();
  const companions = useQuery(CompanionsDocument, { variables: { first: 50 } });
  const conversations = useQuery(MyConversationsDocument, { variables: { first: 50 } });
  const [start, started] = useMutation(StartConversationDocument, { refetchQueries: ['MyConversations'] });
  const [form, setForm] = useState<{ editing?: CompanionFieldsFragment } | null>(null);

  async function chatWith(companionId: string) {
    const result = await start({ variables: { companionId } }).catch(() => null);
    if (result?.data) props.onSelect(result.data.startConversation.id);
  }

  return (
    <aside className="sidebar">
      <PlanPanel />
      <section aria-labelledby="companions-title">
        <div className="row spread">
          <h2 id="companions-title">Companions</h2>
          <button type="button" onClick={() => setForm({})}>
            New companion
          </button>
        </div>
        {form && <CompanionForm editing={form.editing} onDone={() => setForm(null)} />}
        {companions.error && <p role="alert">{describeError(companions.error)}</p>}
        {started.error && <p role="alert">{describeError(started.error)}</p>}
        <ul className="list">
          {companions.data?.companions.edges.map(({ node }) => (
            <li key={node.id}>
              <div>
                <strong>{node.name}</strong> <span className="muted">{node.visibility.toLowerCase()}</span>
                <p className="muted small">{node.description}</p>
              </div>
              <div className="row">
                <button
                  type="button"
                  disabled={!node.available}
                  onClick={() => void chatWith(node.id)}
                  aria-label={`Chat with ${node.name}`}
                >
                  Chat
                </button>
                {node.owner.id === me?.id && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => setForm({ editing: node })}
                    aria-label={`Edit ${node.name}`}
                  >
                    Edit
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="conversations-title">
        <h2 id="conversations-title">Conversations</h2>
        {conversations.data?.me?.conversations.edges.length === 0 && <p className="muted">None yet.</p>}
        <ul className="list">
          {conversations.data?.me?.conversations.edges.map(({ node }) => (
            <li key={node.id}>
              <button
                type="button"
                className="link"
                aria-current={props.selected === node.id ? 'true' : undefined}
                onClick={() => props.onSelect(node.id)}
              >
                {node.title || node.companion.name}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </aside>
  );
}
