import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { MigrationObject, Constructor } from '@mikro-orm/core';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ServiceName } from '../config.js';
import { identityFromHeaders, IdentityHeader } from '../auth/identity.js';
import { isGatewaySecret } from '../auth/gateway-secret.js';
import type { RequestContext } from '../context.js';
import { ErrorCode } from '../errors.js';
import { OutboxRelay } from '../events/outbox.js';
import { Loaders } from '../loaders.js';
import { createMetrics, metricsPlugin } from '../metrics.js';
import { openDatabase, type Orm } from '../orm.js';
import { errorsAndLogsPlugin } from './apollo-plugins.js';
import { createGraphQLHttpServer } from './http-server.js';
import type { Runtime } from './runtime.js';

/** What a subgraph's services are built from. */
export interface ServiceDeps extends Runtime {
  orm: Orm;
  outbox: OutboxRelay;
}

export type SubgraphContext<Services> = RequestContext & { services: Services };

/** Everything that makes a subgraph; each subgraph's schema.ts exports one. */
export interface SubgraphModule<Services> {
  name: ServiceName;
  entities: Constructor[];
  migrations: MigrationObject[];
  buildSchema(): Promise<GraphQLSchema>;
  createServices(deps: ServiceDeps): Services;
  /** Starts the subgraph's event consumers; returns how to stop them. */
  startConsumers?(deps: ServiceDeps, services: Services): Promise<() => Promise<void>>;
}

export interface RunningService {
  name: string;
  url: string;
  port: number;
  /** The subgraph's database (absent on the gateway); for operators' scripts and tests. */
  orm?: Orm;
  stop(): Promise<void>;
}

export interface SubgraphStartOptions {
  port?: number;
  /** Called with every SQL statement (used to prove batching). */
  onQuery?: (sql: string) => void;
}

/**
 * Starts one subgraph: database and migrations, outbox relay, consumers, and an HTTP
 * + graphql-ws server that accepts GraphQL only from the gateway.
 */
export async function startSubgraph<Services>(
  module: SubgraphModule<Services>,
  runtime: Runtime,
  options: SubgraphStartOptions = {},
): Promise<RunningService> {
  const { config } = runtime;
  const logger = runtime.logger.child({ service: module.name });
  const orm = await openDatabase({
    service: module.name,
    config,
    logger,
    entities: module.entities,
    migrations: module.migrations,
    onQuery: options.onQuery,
  });
  const outbox = new OutboxRelay({ orm, bus: runtime.bus, logger });
  const deps: ServiceDeps = { ...runtime, logger, orm, outbox };
  const services = module.createServices(deps);
  const schema = await module.buildSchema();
  const metrics = createMetrics(module.name);
  let accepting = true;

  const contextFor = (headers: Record<string, string | string[] | undefined>, requestId: string) => ({
    requestId,
    identity: identityFromHeaders(headers),
    em: orm.em.fork(),
    loaders: new Loaders(),
    logger: logger.child({ requestId }),
    services,
  });

  const apollo = new ApolloServer<SubgraphContext<Services>>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (stopOnSignal): Apollo re-raising the signal would cut the drain short.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginInlineTraceDisabled(), metricsPlugin(metrics), errorsAndLogsPlugin(logger)],
  });
  await apollo.start();

  const httpServer = createGraphQLHttpServer<SubgraphContext<Services>>({
    logger,
    metrics,
    apollo,
    maxBodyBytes: config.MAX_BODY_BYTES,
    async guard(req) {
      const secret = req.headers[IdentityHeader.secret];
      if (isGatewaySecret(Array.isArray(secret) ? secret[0] : secret, config.gatewaySecret)) return null;
      return {
        status: 403,
        code: ErrorCode.FORBIDDEN,
        message: 'Subgraphs accept GraphQL requests only from the gateway',
      };
    },
    context: async (req, requestId) => contextFor(req.headers, requestId),
    ready: async () => accepting && (await orm.isConnected()) && (await runtime.state.ping()),
  });

  // Subscriptions from the gateway: the same secret and identity, in connection_init.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      onConnect: ({ connectionParams }) =>
        isGatewaySecret(String(connectionParams?.[IdentityHeader.secret] ?? ''), config.gatewaySecret),
      context: ({ connectionParams }) =>
        contextFor(
          (connectionParams ?? {}) as Record<string, string>,
          String(connectionParams?.[IdentityHeader.requestId] ?? ''),
        ),
    },
    wsServer,
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? config.ports[module.name], config.HOST, resolve);
  });
  outbox.start();
  const stopConsumers = (await module.startConsumers?.(deps, services)) ?? (async () => undefined);
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.HOST}:${port}/graphql`;
  logger.info({ url }, 'subgraph listening');

  return {
    name: module.name,
    url,
    port,
    orm,
    async stop() {
      accepting = false;
      await stopConsumers();
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      });
      await apollo.stop();
      await outbox.stop();
      await outbox.flush().catch(() => 0); // last chance to publish before exit; pending rows survive anyway
      await orm.close();
    },
  };
}
