// One Apollo Client for the app: queries and mutations over HTTP, subscriptions over graphql-ws,
// both carrying the current (silently renewed) access token.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { freshToken, GRAPHQL_PATH } from './session';

export function socketUrl(): string {
  const url = new URL(GRAPHQL_PATH, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * A graphql-ws client that authenticates each (re)connection with a fresh token.
 * `retryAttempts: 0` for callers that resume themselves (a reply resumes with fromIndex).
 */
export function createSocket(retryAttempts = 5): Client {
  return createClient({
    url: socketUrl(),
    lazy: true,
    retryAttempts,
    connectionParams: async () => {
      const token = await freshToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
}

export function createApolloClient(): ApolloClient {
  const auth = new SetContextLink(async (prevContext) => {
    const token = await freshToken();
    const headers = (prevContext.headers ?? {}) as Record<string, string>;
    return { headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers };
  });
  const http = new HttpLink({ uri: GRAPHQL_PATH });
  const ws = new GraphQLWsLink(createSocket());
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    ws,
    auth.concat(http),
  );
  return new ApolloClient({ link, cache: new InMemoryCache() });
}
