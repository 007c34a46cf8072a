// GraphiQL from the project's own packages (no CDN): a headers editor for the token (prefilled from
// the web app's session), subscriptions over graphql-ws on the same origin, the docs explorer.
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { parse, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

const http = new URL('/graphql', location.href).toString();
const socket = new URL('/graphql', location.href);
socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';

/** The web app's access token, if the user signed in there: GraphiQL starts authenticated. */
function sessionHeaders(): string {
  try {
    const stored = JSON.parse(localStorage.getItem('nexus.session') ?? 'null') as { accessToken?: string } | null;
    return stored?.accessToken ? JSON.stringify({ authorization: `Bearer ${stored.accessToken}` }, null, 2) : '';
  } catch {
    return '';
  }
}

const overHttp = createGraphiQLFetcher({ url: http });

// Subscriptions go over graphql-ws; the headers editor's content (the token) is its connection_init
// payload, one socket per distinct headers value.
const sockets = new Map<string, Client>();
function socketFor(headers: Record<string, unknown>): Client {
  const key = JSON.stringify(headers);
  let client = sockets.get(key);
  if (!client) {
    client = createClient({ url: socket.toString(), connectionParams: headers, lazy: true, retryAttempts: 0 });
    sockets.set(key, client);
  }
  return client;
}

function isSubscription(query: string, operationName: string | null | undefined): boolean {
  try {
    const operations = parse(query).definitions.filter((node) => node.kind === 'OperationDefinition');
    const chosen = operationName ? operations.find((node) => node.name?.value === operationName) : operations[0];
    return chosen?.operation === 'subscription';
  } catch {
    return false; // the server reports the syntax error
  }
}

const fetcher: Fetcher = (params, options) => {
  if (!isSubscription(params.query, params.operationName)) return overHttp(params, options);
  const payload = {
    query: params.query,
    variables: params.variables ?? undefined,
    operationName: params.operationName ?? undefined,
  };
  return socketFor(options?.headers ?? {}).iterate(payload) as AsyncIterableIterator<ExecutionResult>;
};

// `/graphiql?query=…&variables=…` opens with that operation: links from docs and tests.
const params = new URLSearchParams(location.search);
const headers = sessionHeaders();

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      initialQuery={params.get('query') ?? undefined}
      initialVariables={params.get('variables') ?? undefined}
      initialHeaders={headers || undefined}
      defaultHeaders={headers}
      shouldPersistHeaders
      isHeadersEditorEnabled
      defaultEditorToolsVisibility="headers"
    />
  </StrictMode>,
);
