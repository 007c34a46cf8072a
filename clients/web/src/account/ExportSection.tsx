// Downloading a copy of one's data: one export a day, assembled from every part of the platform
// in the background; the page polls while it is being prepared, then offers the signed link.
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { WebDataExportDocument, WebRequestDataExportDocument } from '../../../generated/graphql';
import { describeError, localTime } from '../errors';

/** How often the page asks whether a pending export is ready (they take seconds). */
const PENDING_POLL_MS = 2_000;

export function ExportSection() {
  const current = useQuery(WebDataExportDocument, { fetchPolicy: 'network-only' });
  const latest = current.data?.dataExport ?? null;
  const pending = latest?.status === 'PENDING';
  const [requestExport, requested] = useMutation(WebRequestDataExportDocument, {
    refetchQueries: [WebDataExportDocument],
  });
  const { startPolling, stopPolling } = current;
  useEffect(() => {
    if (pending) startPolling(PENDING_POLL_MS);
    return stopPolling;
  }, [pending, startPolling, stopPolling]);

  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">Download my data</h2>
      <p>
        One file (JSON) with your profile, consents, billing, companions, conversations, moderation records and
        analytics events. You can ask for one export a day.
      </p>
      <div role="status" aria-live="polite">
        {pending && <p>Preparing your export (requested {localTime(latest.requestedAt)})…</p>}
        {latest?.status === 'READY' && latest.url && (
          <p>
            <a href={latest.url} download>
              Download my data
            </a>{' '}
            (ready since {localTime(latest.readyAt ?? latest.requestedAt)}; kept until{' '}
            {localTime(latest.availableUntil ?? latest.expiresAt ?? latest.requestedAt)})
          </p>
        )}
        {latest?.status === 'FAILED' && <p>The last export could not be prepared; ask for a new one.</p>}
        {latest?.status === 'EXPIRED' && <p>Your last export has been deleted; ask for a new one.</p>}
      </div>
      {requested.error && (
        <p role="alert" className="error">
          {describeError(requested.error)}
        </p>
      )}
      <button
        type="button"
        disabled={requested.loading || pending}
        onClick={() => void requestExport().catch(() => null)}
      >
        Request an export
      </button>
    </section>
  );
}
