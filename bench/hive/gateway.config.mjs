// Hive Gateway as bench/gateway-overhead.ts runs it (bench/servers.ts startHive): the same
// supergraph file and subgraphs as the NexusAI gateway, one process, in-flight request
// deduplication off (identical concurrent requests would otherwise share one subgraph call,
// as the comparison asks). Subgraphs refuse calls without the gateway secret, so it is
// added here; the signed identity (x-nexus-identity) is forwarded from the client, which sends
// what the NexusAI gateway would derive from the access token.
import { defineConfig } from '@graphql-hive/gateway';

const env = process.env;
const IDENTITY = ['x-nexus-identity'];

export const gatewayConfig = defineConfig({
  host: env.HIVE_BENCH_HOST ?? '127.0.0.1',
  fork: 1,
  logging: 'error',
  graphiql: false,
  landingPage: false,
  transportEntries: {
    '*.http': { options: { deduplicateInflightRequests: false } },
    users: { location: env.HIVE_BENCH_USERS_URL },
    companions: { location: env.HIVE_BENCH_COMPANIONS_URL },
  },
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers = { 'x-gateway-secret': env.HIVE_BENCH_GATEWAY_SECRET ?? '' };
      for (const name of IDENTITY) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
});
