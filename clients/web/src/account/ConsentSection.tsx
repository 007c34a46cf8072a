// Consents: one switch per purpose (setConsent under the policy version the user accepted) and the
// history of every decision, newest first.
import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import type { ConsentPurpose, WebAccountQuery, WebConsentFragment } from '../../../generated/graphql';
import { WebSetConsentDocument } from '../../../generated/graphql';
import { describeError } from '../errors';

type HistoryRecord = NonNullable<NonNullable<WebAccountQuery['me']>['consentHistory']>[number];

const PURPOSES: { purpose: ConsentPurpose; label: string; explanation: string }[] = [
  {
    purpose: 'ANALYTICS',
    label: 'Product analytics',
    explanation: 'Count how I use NexusAI, to improve it. Without it, my activity is counted under a pseudonym.',
  },
  { purpose: 'MARKETING', label: 'Offers', explanation: 'Send me messages about offers and new plans.' },
];

const PURPOSE_NAMES: Record<string, string> = {
  TERMS: 'Terms and privacy policy',
  ANALYTICS: 'Product analytics',
  MARKETING: 'Offers',
};

/** `policyVersion`: the version in force (Query.privacyPolicyVersion), which every choice is made under. */
export function ConsentSection(props: {
  consents: WebConsentFragment[];
  history: HistoryRecord[];
  policyVersion: string;
}) {
  const [setConsent, { loading, error }] = useMutation(WebSetConsentDocument, { refetchQueries: ['WebAccount'] });
  const [announcement, setAnnouncement] = useState('');
  const { policyVersion } = props;
  const granted = (purpose: ConsentPurpose) =>
    props.consents.find((consent) => consent.purpose === purpose)?.granted ?? false;

  async function toggle(purpose: ConsentPurpose, label: string, value: boolean) {
    if (!policyVersion) return;
    const result = await setConsent({ variables: { purpose, granted: value, policyVersion } }).catch(() => null);
    if (result?.data) setAnnouncement(`${label}: ${value ? 'allowed' : 'not allowed'}.`);
  }

  return (
    <section className="card" aria-labelledby="consents-title">
      <h2 id="consents-title">Consents</h2>
      {policyVersion && <p className="muted small">Under the privacy policy version {policyVersion}.</p>}
      <ul className="consents">
        {PURPOSES.map(({ purpose, label, explanation }) => (
          <li key={purpose}>
            <label>
              <input
                type="checkbox"
                checked={granted(purpose)}
                disabled={loading || !policyVersion}
                onChange={(event) => void toggle(purpose, label, event.target.checked)}
              />{' '}
              <strong>{label}</strong>
            </label>
            <p className="muted small">{explanation}</p>
          </li>
        ))}
      </ul>
      <p role="status" className="small">
        {announcement}
      </p>
      {error && (
        <p role="alert" className="error">
          {describeError(error)}
        </p>
      )}
      <details>
        <summary>History of my choices ({props.history.length})</summary>
        <table className="consent-history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Choice</th>
              <th scope="col">Policy version</th>
            </tr>
          </thead>
          <tbody>
            {props.history.map((record, index) => (
              <tr key={`${record.recordedAt}-${record.purpose}-${index}`}>
                <td>{new Date(record.recordedAt).toLocaleString()}</td>
                <td>{PURPOSE_NAMES[record.purpose] ?? record.purpose}</td>
                <td>{record.purpose === 'TERMS' ? 'accepted' : record.granted ? 'allowed' : 'not allowed'}</td>
                <td>{record.policyVersion}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
