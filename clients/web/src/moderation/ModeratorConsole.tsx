// The moderator console (MODERATOR, ADMIN): the open queue kept live by moderationQueueUpdates,
// a summary of the queue's state, and the selected case with every action a moderator takes.
import { useCallback, useId, useState } from 'react';
import { useQuery, useSubscription } from '@apollo/client/react';
import {
  WebModerationQueueDocument,
  WebModerationQueueUpdatesDocument,
  WebModerationSummaryDocument,
  type ContentType,
  type ModerationStatus,
} from '../../../generated/graphql';
import { CaseDetail } from './CaseDetail';
import { ErrorNotice } from './ErrorNotice';
import { isForbidden } from './errors';
import './moderation.css';

const PAGE_SIZE = 25;
/** A safety net under the live feed: events between loading and subscribing, or while reconnecting, are not replayed. */
const POLL_MS = 30_000;
const STATUSES: ModerationStatus[] = ['PENDING', 'ESCALATED', 'APPEALED'];
const CONTENT_TYPES: ContentType[] = ['MESSAGE', 'COMPANION', 'USER_PROFILE', 'IMAGE', 'AUDIO', 'VIDEO'];

function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

export function ModeratorConsole() {
  const ids = useId();
  const [status, setStatus] = useState<ModerationStatus | ''>('');
  const [contentType, setContentType] = useState<ContentType | ''>('');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string>('');
  const [actionError, setActionError] = useState<unknown>(null);
  const [liveEvents, setLiveEvents] = useState(0);
  const [lastLive, setLastLive] = useState('');

  const variables = { status: status || undefined, contentType: contentType || undefined, first: PAGE_SIZE };
  const queue = useQuery(WebModerationQueueDocument, { variables, pollInterval: POLL_MS });
  const summary = useQuery(WebModerationSummaryDocument, { pollInterval: POLL_MS });
  const refresh = useCallback(() => {
    void queue.refetch().catch(() => undefined);
    void summary.refetch().catch(() => undefined);
  }, [queue, summary]);

  // Any change to the queue made anywhere (another moderator, an automatic decision, a report) refetches
  // the page in server order; the case in each event also lands in the cache, updating the open detail.
  const live = useSubscription(WebModerationQueueUpdatesDocument, {
    onData: ({ data }) => {
      const event = data.data?.moderationQueueUpdates;
      if (!event) return;
      setLiveEvents((n) => n + 1);
      // Kept apart from the action notice, which a concurrent live event must not overwrite.
      setLastLive(`case ${event.caseId.slice(0, 8)} ${event.kind.toLowerCase().replace('_', ' ')}`);
      refresh();
    },
  });

  if (queue.error && isForbidden(queue.error)) {
    return (
      <section className="nx-moderation" aria-labelledby={`${ids}-title`}>
        <h2 id={`${ids}-title`}>Moderator console</h2>
        <ErrorNotice error={queue.error} />
      </section>
    );
  }

  const edges = queue.data?.moderationQueue.edges ?? queue.previousData?.moderationQueue.edges ?? [];
  const cases = edges.map((e) => e.node);
  const selected = cases.find((c) => c.id === selectedId) ?? null;
  const stats = summary.data?.moderationStats;
  const pageInfo = queue.data?.moderationQueue.pageInfo;

  async function loadMore() {
    if (!pageInfo?.endCursor) return;
    await queue.fetchMore({
      variables: { after: pageInfo.endCursor },
      updateQuery: (previous, { fetchMoreResult }) => ({
        moderationQueue: {
          ...fetchMoreResult.moderationQueue,
          edges: [...previous.moderationQueue.edges, ...fetchMoreResult.moderationQueue.edges],
        },
      }),
    });
  }

  return (
    <section className="nx-moderation" aria-labelledby={`${ids}-title`}>
      <header className="nx-moderation-header">
        <h2 id={`${ids}-title`}>Moderator console</h2>
        <p className="nx-live" data-testid="live-state">
          <span className={`nx-dot ${live.error ? 'nx-dot-off' : 'nx-dot-on'}`} aria-hidden="true" />
          {live.error ? 'Live updates interrupted' : `Live (${liveEvents} updates)`}
          {lastLive && <span className="nx-meta"> · last: {lastLive}</span>}
        </p>
      </header>

      <dl className="nx-summary" aria-label="Queue summary">
        <div>
          <dt>In queue</dt>
          <dd data-testid="queue-depth">{stats?.queueDepth ?? '…'}</dd>
        </div>
        <div>
          <dt>Oldest open case</dt>
          <dd>{formatAge(stats?.oldestPendingAgeSeconds)}</dd>
        </div>
        <div>
          <dt>Decided (30 days)</dt>
          <dd>{stats?.decided ?? '…'}</dd>
        </div>
        <div>
          <dt>Median time to a human decision</dt>
          <dd>{formatAge(stats?.medianSecondsToDecision)}</dd>
        </div>
      </dl>

      <p role="status" aria-live="polite" className="nx-notice">
        {notice}
      </p>
      {actionError !== null && <ErrorNotice error={actionError} onDismiss={() => setActionError(null)} />}
      {live.error && <ErrorNotice error={live.error} />}

      <form className="nx-filters" onSubmit={(e) => e.preventDefault()} aria-label="Queue filters">
        <label htmlFor={`${ids}-status`}>Status</label>
        <select
          id={`${ids}-status`}
          value={status}
          onChange={(e) => setStatus(e.target.value as ModerationStatus | '')}
        >
          <option value="">All open</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label htmlFor={`${ids}-type`}>Content</label>
        <select
          id={`${ids}-type`}
          value={contentType}
          onChange={(e) => setContentType(e.target.value as ContentType | '')}
        >
          <option value="">All types</option>
          {CONTENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      </form>

      <div className="nx-moderation-body">
        <div className="nx-queue">
          <h3 id={`${ids}-queue`}>Queue</h3>
          {queue.error && <ErrorNotice error={queue.error} />}
          {queue.loading && cases.length === 0 && <p>Loading the queue…</p>}
          {!queue.loading && cases.length === 0 && !queue.error && <p>The queue is empty.</p>}
          <ul aria-labelledby={`${ids}-queue`} className="nx-queue-list">
            {cases.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className="nx-queue-item"
                  aria-pressed={c.id === selectedId}
                  aria-label={`${c.status} ${c.contentType} case by ${c.author?.displayName ?? 'unknown'}, ${c.reportCount} reports`}
                  onClick={() => setSelectedId(c.id)}
                  data-case-id={c.id}
                >
                  <span className={`nx-status nx-status-${c.status}`}>{c.status}</span>
                  <span className="nx-snippet">{c.contentText ?? c.contentType}</span>
                  <span className="nx-meta">
                    {c.author?.displayName ?? 'unknown'} · {c.reportCount} reports
                    {c.claimedBy && c.claimedUntil && new Date(c.claimedUntil).getTime() > Date.now()
                      ? ` · claimed by ${c.claimedBy.displayName}`
                      : ''}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {pageInfo?.hasNextPage && (
            <button type="button" onClick={() => void loadMore()}>
              Load more
            </button>
          )}
        </div>
        <div className="nx-detail">
          {selected ? (
            <CaseDetail
              key={selected.id}
              kase={selected}
              onDecided={(message) => {
                setActionError(null);
                setNotice(message);
                setSelectedId(null);
                refresh();
              }}
              onError={(error) => {
                setActionError(error);
                refresh();
              }}
            />
          ) : (
            <p className="nx-hint">Select a case in the queue to review it.</p>
          )}
        </div>
      </div>
    </section>
  );
}

export default ModeratorConsole;
