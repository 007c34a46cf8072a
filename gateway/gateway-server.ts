import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Counter } from 'prom-client';
import { WebSocketServer } from 'ws';
import { createTokenIssuer } from '../platform/auth/jwt.js';
import type { Identity } from '../platform/auth/identity.js';
import { IdentitySigner } from '../platform/auth/signed-identity.js';
import { Revocations } from '../platform/auth/revocation.js';
import type { ServiceName } from '../platform/config.js';
import { ErrorCode } from '../platform/errors.js';
import { createMetrics, metricsPlugin } from '../platform/metrics.js';
import { registerCapMetrics } from './subscription-cap-metrics.js';
import { errorsAndLogsPlugin } from '../platform/server/apollo-plugins.js';
import { createGraphQLHttpServer, type Refusal } from '../platform/server/http-server.js';
import type { Runtime } from '../platform/server/runtime.js';
import type { RunningService } from '../platform/server/subgraph-server.js';
import { authenticate } from './authenticate.js';
import { clientAddress } from './client-address.js';
import type { GatewayContext } from './gateway-context.js';
import { aliasLimit, authRateLimitPlugin, costLimitPlugin, depthRule } from './limits.js';
import { requestHygienePlugin, skipOnFragmentCycles } from './request-hygiene.js';
import { restrictedSessionsPlugin } from './restricted-sessions.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { FederatedSubscriptions } from './federated-subscriptions.js';
import { SubscriptionPlanner } from './subscription-planner.js';
import { createUndiciFetcher } from './undici-fetcher.js';
import { createRealtime } from './realtime.js';
import { createStaticSite } from './static-site.js';
import { exportDownloads } from './export-downloads.js';

export interface GatewayOptions {
  port?: number;
  /** Subgraph URLs by name; defaults to the configured ones, then to the supergraph's. */
  serviceUrls?: Partial<Record<ServiceName, string>> & Record<string, string | undefined>;
  /** The supergraph to serve; defaults to the file at SUPERGRAPH_PATH (tests compose their own). */
  supergraphSdl?: string;
  /** Ping interval for graphql-ws clients and upstream subgraph sockets; a peer that misses a ping is dropped. */
  keepAliveMs?: number;
}

const DEFAULT_KEEP_ALIVE_MS = 12_000;

/**
 * The one endpoint clients use: verifies tokens, applies limits, plans and executes
 * operations across subgraphs (HTTP and graphql-ws on one port).
 */
export async function startGateway(runtime: Runtime, options: GatewayOptions = {}): Promise<RunningService> {
  const { config, state } = runtime;
  const logger = runtime.logger.child({ service: 'gateway' });
  const supergraphSdl = options.supergraphSdl ?? readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  const urls: Record<string, string | undefined> = { ...config.serviceUrls, ...options.serviceUrls };
  // Subscriptions reuse the gateway's data sources for entity fetches and their URLs for graphql-ws.
  const dataSources = new Map<string, SubgraphDataSource>();
  const metrics = createMetrics('gateway');
  registerCapMetrics(metrics.registry);
  const signer = new IdentitySigner(config.gatewaySecret, config.IDENTITY_TOKEN_TTL_SECONDS);
  const http = createUndiciFetcher({ connections: config.SUBGRAPH_HTTP_CONNECTIONS });
  const merged = new Counter({
    name: 'gateway_subgraph_requests_merged_total',
    help: 'Subgraph reads answered by an identical in-flight request of the same identity',
    registers: [metrics.registry],
  });
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const source = new SubgraphDataSource({
        url: urls[name] ?? url ?? '',
        secret: config.gatewaySecret,
        signer,
        fetcher: http.fetcher,
        onMerged: () => merged.inc(),
      });
      dataSources.set(name, source);
      return source;
    },
  });
  const tokens = createTokenIssuer({
    secret: config.jwtSecret,
    issuer: config.JWT_ISSUER,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const revocations = new Revocations(state.kv, config.ACCESS_TOKEN_TTL_SECONDS, state.pubsub);
  const apiLimiter = state.rateLimiter('api', config.RATE_LIMIT_API_PER_SECOND);
  const authLimiter = state.rateLimiter('auth', config.RATE_LIMIT_AUTH_PER_SECOND);
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  const validationRules = skipOnFragmentCycles([depthRule(config.MAX_QUERY_DEPTH), aliasLimit(config.MAX_ALIASES)]);
  const subscriptions = new FederatedSubscriptions({
    logger,
    secret: config.gatewaySecret,
    signer,
    dataSources,
    urlOf: (name) => dataSources.get(name)?.url,
    registry: metrics.registry,
    upstreamKeepAliveMs: keepAliveMs,
    upstreamIdleCloseMs: config.UPSTREAM_WS_IDLE_CLOSE_MS,
    entityTtlMs: config.SUBSCRIPTION_ENTITY_TTL_MS,
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema, coreSupergraphSdl }) => {
    apiSchema = schema;
    subscriptions.use(new SubscriptionPlanner(coreSupergraphSdl, schema, validationRules));
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    // Shutdown is ours (stopOnSignal): Apollo re-raising the signal would cut the drain short.
    stopOnTerminationSignals: false,
    validationRules,
    plugins: [
      // Browsers get the project's own GraphiQL (static-site.ts), not Apollo's CDN-loaded Sandbox.
      ApolloServerPluginLandingPageDisabled(),
      requestHygienePlugin({ hideSchemaDetails: config.production }),
      metricsPlugin(metrics),
      errorsAndLogsPlugin(logger),
      authRateLimitPlugin(authLimiter),
      restrictedSessionsPlugin(),
      costLimitPlugin(config.MAX_QUERY_COST, () => apiSchema ?? buildSchema('type Query { _: Boolean }')),
    ],
  });
  await apollo.start();

  const realtime = await createRealtime({
    config,
    state,
    logger,
    apollo,
    subscriptions,
    tokens,
    revocations,
    apiLimiter,
  });
  const identities = new WeakMap<IncomingMessage, Identity | null>();
  let accepting = true;
  // Export downloads go to the users service before the web app, whose routes would take them.
  const staticSite = createStaticSite({ graphiql: config.introspection });
  const downloads = exportDownloads({ usersUrl: () => dataSources.get('users')?.url ?? urls.users, logger });
  const siteWithExports = async (req: IncomingMessage, res: ServerResponse, path: string) =>
    (await downloads(req, res, path)) || staticSite(req, res, path);
  const httpServer = createGraphQLHttpServer<GatewayContext>({
    logger,
    metrics,
    apollo,
    maxBodyBytes: config.MAX_BODY_BYTES,
    async guard(req): Promise<Refusal | null> {
      const address = clientAddress(req, config.TRUST_PROXY);
      const limit = await apiLimiter.consume(address);
      if (!limit.allowed) {
        return {
          status: 429,
          code: ErrorCode.RATE_LIMITED,
          message: 'Too many requests',
          headers: { 'retry-after': String(Math.ceil(limit.retryAfterMs / 1000)) },
        };
      }
      const auth = await authenticate(req.headers.authorization, tokens, revocations);
      if ('error' in auth) {
        return {
          status: 401,
          code: ErrorCode.UNAUTHENTICATED,
          message: auth.error,
          headers: { 'www-authenticate': 'Bearer' },
        };
      }
      identities.set(req, auth.identity);
      return null;
    },
    context: async (req, requestId) => ({
      requestId,
      identity: identities.get(req) ?? null,
      clientAddress: clientAddress(req, config.TRUST_PROXY),
    }),
    intercept: realtime.intercept,
    site: siteWithExports,
    ready: async () => accepting && apiSchema !== undefined && (await state.ping()),
  });

  // A message over MAX_BODY_BYTES closes its socket with 1009, like a 413 over HTTP.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: config.MAX_BODY_BYTES });
  const wsCleanup = useServer(
    realtime.websocket,
    wsServer,
    // graphql-ws pings each client at this interval and terminates one that misses a pong,
    // which ends its subscriptions and so their upstream ones.
    keepAliveMs,
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? config.ports.gateway, config.HOST, resolve);
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.HOST}:${port}/graphql`;
  logger.info({ url }, 'gateway listening');
  return {
    name: 'gateway',
    url,
    port,
    async stop() {
      accepting = false;
      await wsCleanup.dispose();
      await realtime.stop();
      subscriptions.stop();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      });
      await apollo.stop();
      await http.close();
    },
  };
}
