// One case as a moderator works on it: the content, its classification and reports, then claim,
// approve, reject (action, reason, suspension), notes and appeal resolution.
import { useId, useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import {
  WebAddModeratorNoteDocument,
  WebApproveCaseDocument,
  WebClaimCaseDocument,
  WebRejectCaseDocument,
  WebResolveAppealDocument,
  type ModerationAction,
  type WebModerationCaseFragment,
} from '../../../generated/graphql';

const REJECT_ACTIONS: { value: ModerationAction; label: string }[] = [
  { value: 'DELETE_CONTENT', label: 'Delete the content' },
  { value: 'WARN_USER', label: 'Delete and warn the author' },
  { value: 'SUSPEND_USER', label: 'Delete and suspend the author' },
  { value: 'BAN_USER', label: 'Delete and ban the author' },
  { value: 'REPORT_TO_AUTHORITIES', label: 'Delete and report to authorities' },
];

interface Props {
  kase: WebModerationCaseFragment;
  /** Called after a decision removed the case from the queue. */
  onDecided: (message: string) => void;
  /** Called when the server refused an action (shown by the console, which refetches the queue). */
  onError: (error: unknown) => void;
}

export function CaseDetail({ kase, onDecided, onError }: Props) {
  const ids = useId();
  const [action, setAction] = useState<ModerationAction>('DELETE_CONTENT');
  const [reason, setReason] = useState('');
  const [suspendDays, setSuspendDays] = useState('7');
  const [decisionNote, setDecisionNote] = useState('');
  const [note, setNote] = useState('');
  const [appealNote, setAppealNote] = useState('');

  const [claim, claiming] = useMutation(WebClaimCaseDocument);
  const [approve, approving] = useMutation(WebApproveCaseDocument);
  const [reject, rejecting] = useMutation(WebRejectCaseDocument);
  const [addNote, noting] = useMutation(WebAddModeratorNoteDocument);
  const [resolve, resolving] = useMutation(WebResolveAppealDocument);
  const busy = claiming.loading || approving.loading || rejecting.loading || noting.loading || resolving.loading;
  const appealed = kase.status === 'APPEALED';
  const claimedUntil = kase.claimedUntil ? new Date(kase.claimedUntil) : null;
  const claimActive = claimedUntil !== null && claimedUntil.getTime() > Date.now();

  // Mutations reject on GraphQL errors; the error is shown and the queue refreshed, since most
  // refusals (already decided, claimed, gone) mean the moderator's copy is stale.
  async function run(work: () => Promise<unknown>, done?: string): Promise<boolean> {
    try {
      await work();
    } catch (caught) {
      onError(caught);
      return false;
    }
    if (done) onDecided(done);
    return true;
  }

  async function onReject(event: FormEvent) {
    event.preventDefault();
    const input = {
      action,
      reason: reason.trim(),
      note: decisionNote.trim() || undefined,
      suspendDays: action === 'SUSPEND_USER' ? Number(suspendDays) : undefined,
    };
    const ok = await run(() => reject({ variables: { caseId: kase.id, input } }), `Case rejected (${action}).`);
    if (ok) setReason('');
  }

  async function onNote(event: FormEvent) {
    event.preventDefault();
    const ok = await run(() => addNote({ variables: { caseId: kase.id, text: note.trim() } }));
    if (ok) setNote('');
  }

  return (
    <article className="nx-case-detail" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>
        {kase.contentType} case · <span className={`nx-status nx-status-${kase.status}`}>{kase.status}</span>
      </h3>
      <dl className="nx-facts">
        <dt>Author</dt>
        <dd>{kase.author?.displayName ?? 'unknown'}</dd>
        <dt>Reports</dt>
        <dd data-testid="report-count">{kase.reportCount}</dd>
        <dt>Source</dt>
        <dd>
          {kase.source} ({kase.provider}
          {kase.confidence !== null ? `, safety ${(kase.confidence * 100).toFixed(0)} %` : ''})
        </dd>
        <dt>Opened</dt>
        <dd>
          <time dateTime={kase.createdAt}>{new Date(kase.createdAt).toLocaleString()}</time>
        </dd>
        {kase.categories.length > 0 && (
          <>
            <dt>Categories</dt>
            <dd>{kase.categories.map((c) => `${c.category} ${(c.score * 100).toFixed(0)} %`).join(', ')}</dd>
          </>
        )}
        <dt>Claim</dt>
        <dd>
          {claimActive
            ? `${kase.claimedBy?.displayName ?? 'someone'} until ${claimedUntil!.toLocaleTimeString()}`
            : 'unclaimed'}
        </dd>
      </dl>
      <blockquote className="nx-content" aria-label="Content under review">
        {kase.contentText ?? <em>No text (media or removed)</em>}
      </blockquote>

      <div className="nx-row">
        <button type="button" disabled={busy} onClick={() => run(() => claim({ variables: { id: kase.id } }))}>
          {claimActive ? 'Renew claim' : 'Claim'}
        </button>
        {!appealed && (
          <button
            type="button"
            className="nx-approve"
            disabled={busy}
            onClick={() =>
              run(
                () => approve({ variables: { caseId: kase.id, note: decisionNote.trim() || undefined } }),
                'Case approved.',
              )
            }
          >
            Approve
          </button>
        )}
      </div>

      {appealed ? (
        <section aria-labelledby={`${ids}-appeal`} className="nx-appeal">
          <h4 id={`${ids}-appeal`}>Appeal</h4>
          <p>
            The author appealed: <q>{kase.appeal?.reason}</q>. Earlier decision: {kase.action}
            {kase.reason ? ` (${kase.reason})` : ''}.
          </p>
          <label htmlFor={`${ids}-appeal-note`}>Note (optional)</label>
          <input id={`${ids}-appeal-note`} value={appealNote} onChange={(e) => setAppealNote(e.target.value)} />
          <div className="nx-row">
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                run(
                  () => resolve({ variables: { caseId: kase.id, upheld: true, note: appealNote.trim() || undefined } }),
                  'Appeal rejected: the decision stands.',
                )
              }
            >
              Uphold decision
            </button>
            <button
              type="button"
              className="nx-approve"
              disabled={busy}
              onClick={() =>
                run(
                  () =>
                    resolve({ variables: { caseId: kase.id, upheld: false, note: appealNote.trim() || undefined } }),
                  'Appeal granted: the content is approved.',
                )
              }
            >
              Overturn (approve)
            </button>
          </div>
        </section>
      ) : (
        <form onSubmit={onReject} className="nx-reject" aria-labelledby={`${ids}-reject`}>
          <h4 id={`${ids}-reject`}>Reject</h4>
          <label htmlFor={`${ids}-action`}>Action</label>
          <select id={`${ids}-action`} value={action} onChange={(e) => setAction(e.target.value as ModerationAction)}>
            {REJECT_ACTIONS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
          {action === 'SUSPEND_USER' && (
            <>
              <label htmlFor={`${ids}-days`}>Suspension (days)</label>
              <input
                id={`${ids}-days`}
                type="number"
                min="0.1"
                max="3650"
                step="any"
                required
                value={suspendDays}
                onChange={(e) => setSuspendDays(e.target.value)}
              />
            </>
          )}
          <label htmlFor={`${ids}-reason`}>Reason (shown to the author)</label>
          <input id={`${ids}-reason`} required value={reason} onChange={(e) => setReason(e.target.value)} />
          <label htmlFor={`${ids}-decision-note`}>Internal note (optional)</label>
          <input id={`${ids}-decision-note`} value={decisionNote} onChange={(e) => setDecisionNote(e.target.value)} />
          <button type="submit" className="nx-reject-button" disabled={busy}>
            Reject
          </button>
        </form>
      )}

      <section aria-labelledby={`${ids}-notes`}>
        <h4 id={`${ids}-notes`}>Notes</h4>
        {kase.notes.length === 0 ? (
          <p>No notes yet.</p>
        ) : (
          <ul className="nx-notes">
            {kase.notes.map((n) => (
              <li key={n.id}>
                <strong>{n.author.displayName}</strong>{' '}
                <time dateTime={n.createdAt}>{new Date(n.createdAt).toLocaleString()}</time>: {n.text}
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={onNote} className="nx-row">
          <label htmlFor={`${ids}-note`} className="nx-visually-hidden">
            New note
          </label>
          <input
            id={`${ids}-note`}
            placeholder="Add a note for other moderators"
            required
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
          <button type="submit" disabled={busy}>
            Add note
          </button>
        </form>
      </section>
    </article>
  );
}
