// The app shell: header with navigation by role, sign out, and the page for the current path.
import { useApolloClient, useMutation } from '@apollo/client/react';
import { lazy, Suspense, useEffect, type MouseEvent } from 'react';
import { LogoutDocument } from '../../generated/graphql';
import { RegisterForm, SignInForm } from './AuthForms';
import { ChatPage } from './chat/ChatPage';
import { navigate, usePath } from './router';
import { signedOut } from './session';
import { useSessionUser } from './useSession';

// The account page and staff views load on first visit, so the initial bundle stays the chat's.
const AccountPage = lazy(() => import('./account/AccountPage'));
const ModeratorConsole = lazy(() => import('./moderation/ModeratorConsole'));
const AnalystDashboard = lazy(() => import('./analytics/AnalystDashboard'));

const PUBLIC_PATHS = new Set(['/signin', '/register']);

function NavLink(props: { to: string; label: string; path: string }) {
  const go = (event: MouseEvent) => {
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} onClick={go} aria-current={props.path === props.to ? 'page' : undefined}>
      {props.label}
    </a>
  );
}

export function App() {
  const path = usePath();
  const user = useSessionUser();
  const client = useApolloClient();
  const [logout] = useMutation(LogoutDocument);

  useEffect(() => {
    if (!user && !PUBLIC_PATHS.has(path)) navigate('/signin');
  }, [user, path]);

  async function signOut() {
    // Revoke server-side first (best effort), then forget the tokens and every cached result.
    await logout().catch(() => undefined);
    signedOut();
    await client.clearStore();
    navigate('/signin');
  }

  if (!user) {
    return <main className="auth-page">{path === '/register' ? <RegisterForm /> : <SignInForm />}</main>;
  }
  const moderator = user.role === 'MODERATOR' || user.role === 'ADMIN';
  const analyst = user.role === 'ANALYST' || user.role === 'ADMIN';
  let page = <ChatPage />;
  if (path === '/account') page = <AccountPage />;
  if (path === '/moderation' && moderator) page = <ModeratorConsole />;
  if (path === '/analytics' && analyst) page = <AnalystDashboard />;

  return (
    <>
      <header className="top">
        <span className="brand">NexusAI</span>
        <nav aria-label="Main">
          <NavLink to="/" label="Chat" path={path} />
          {moderator && <NavLink to="/moderation" label="Moderation" path={path} />}
          {analyst && <NavLink to="/analytics" label="Analytics" path={path} />}
          <NavLink to="/account" label="Account" path={path} />
          <a href="/graphiql">GraphiQL</a>
        </nav>
        <span className="who">
          {user.displayName} · {user.plan} plan
        </span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        <Suspense fallback={<p role="status">Loading…</p>}>{page}</Suspense>
      </main>
    </>
  );
}
