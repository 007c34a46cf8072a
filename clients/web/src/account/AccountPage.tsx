// The account page: profile, consents and their history, a copy of one's data, and deleting the account. Loaded on first
// visit (React.lazy in App.tsx), so the initial bundle stays the chat's.
import { useQuery } from '@apollo/client/react';
import { WebAccountDocument } from '../../../generated/graphql';
import { describeError } from '../errors';
import { ConsentSection } from './ConsentSection';
import { DeleteAccountSection } from './DeleteAccountSection';
import { ExportSection } from './ExportSection';
import { ProfileSection } from './ProfileSection';
import './account.css';

export function AccountPage() {
  const account = useQuery(WebAccountDocument, { fetchPolicy: 'cache-and-network' });
  const me = account.data?.me;
  return (
    <div className="account">
      <h1>Account</h1>
      {account.error && <p role="alert">{describeError(account.error)}</p>}
      {!me && !account.error && <p role="status">Loading…</p>}
      {me && (
        <>
          <ProfileSection displayName={me.displayName} email={me.email} />
          <ConsentSection
            consents={me.consents ?? []}
            history={me.consentHistory ?? []}
            policyVersion={account.data?.privacyPolicyVersion ?? ''}
          />
          <ExportSection />
          <DeleteAccountSection />
        </>
      )}
    </div>
  );
}

export default AccountPage;
