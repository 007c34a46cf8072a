// Development entry for the moderator console and analyst dashboard, until the app shell mounts them:
// a sign-in form, an Apollo client (HTTP + graphql-ws) carrying the token, and the two views loaded lazily.
// Served by `vite --config clients/web/vite.views-dev.config.ts` and by tests/e2e/views-dev-server.ts.
import { lazy, StrictMode, Suspense, useMemo, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { ApolloProvider } from '@apollo/client/react';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';

const ModeratorConsole = lazy(() => import('./moderation/ModeratorConsole'));
const AnalystDashboard = lazy(() => import('./analytics/AnalystDashboard'));

const TOKEN_KEY = 'nexus.viewsDev.token';
type View = 'moderation' | 'analytics';

function makeClient(token: string): ApolloClient {
  const authorization = `Bearer ${token}`;
  const http = new HttpLink({ uri: '/graphql', headers: { authorization } });
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = new GraphQLWsLink(createClient({ url: wsUrl, connectionParams: { authorization } }));
  return new ApolloClient({
    link: ApolloLink.split((operation) => operation.operationType === 'subscription', ws, http),
    cache: new InMemoryCache(),
  });
}

function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError('');
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: LoginInput!) { login(input: $input) { accessToken } }',
        variables: { input: { email, password } },
      }),
    });
    const body = (await response.json()) as {
      data?: { login: { accessToken: string } };
      errors?: { message: string }[];
    };
    if (body.data?.login) onToken(body.data.login.accessToken);
    else setError(body.errors?.[0]?.message ?? 'Sign-in failed');
  }
  return (
    <form onSubmit={submit} aria-label="Sign in" style={{ display: 'grid', gap: '0.5rem', maxWidth: '22rem' }}>
      <label htmlFor="dev-email">Email</label>
      <input id="dev-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <label htmlFor="dev-password">Password</label>
      <input
        id="dev-password"
        type="password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <button type="submit">Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function DevApp() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [view, setView] = useState<View>(() => (location.hash === '#analytics' ? 'analytics' : 'moderation'));
  const client = useMemo(() => (token ? makeClient(token) : null), [token]);
  const choose = (next: View) => {
    location.hash = next;
    setView(next);
  };
  if (!client) {
    return (
      <main style={{ padding: '1rem', fontFamily: 'system-ui, sans-serif' }}>
        <h1>NexusAI views (dev)</h1>
        <SignIn
          onToken={(t) => {
            sessionStorage.setItem(TOKEN_KEY, t);
            setToken(t);
          }}
        />
      </main>
    );
  }
  return (
    <ApolloProvider client={client}>
      <nav aria-label="Views" style={{ display: 'flex', gap: '0.5rem', padding: '0.5rem', flexWrap: 'wrap' }}>
        <button
          type="button"
          aria-current={view === 'moderation' ? 'page' : undefined}
          onClick={() => choose('moderation')}
        >
          Moderation
        </button>
        <button
          type="button"
          aria-current={view === 'analytics' ? 'page' : undefined}
          onClick={() => choose('analytics')}
        >
          Analytics
        </button>
        <button
          type="button"
          onClick={() => {
            sessionStorage.removeItem(TOKEN_KEY);
            setToken(null);
          }}
        >
          Sign out
        </button>
      </nav>
      <main>
        <Suspense fallback={<p>Loading…</p>}>
          {view === 'moderation' ? <ModeratorConsole /> : <AnalystDashboard />}
        </Suspense>
      </main>
    </ApolloProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DevApp />
  </StrictMode>,
);
