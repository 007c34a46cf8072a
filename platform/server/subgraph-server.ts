import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { MigrationObject, Constructor } from '@mikro-orm/core';
import { GraphQLError, parse, type GraphQLSchema } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { Gauge } from 'prom-client';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ServiceName } from '../config.js';
import { IdentityExtension, IdentityHeader, type Identity } from '../auth/identity.js';
import { isGatewaySecret } from '../auth/gateway-secret.js';
import { IdentityVerifier } from '../auth/signed-identity.js';
import { refuseRestricted, restrictedAccessPlugin } from '../auth/restricted-access.js';
import type { RequestContext } from '../context.js';
import { ErrorCode } from '../errors.js';
import { OutboxRelay } from '../events/outbox.js';
import { Loaders } from '../loaders.js';
import { createMetrics, metricsPlugin, type ServiceMetrics } from '../metrics.js';
import { registerDbPoolMetrics } from '../db-pool-metrics.js';
import { registerOutboxMetrics } from '../events/outbox-metrics.js';
import { openDatabase, type Orm } from '../orm.js';
import { errorsAndLogsPlugin } from './apollo-plugins.js';
import { createGraphQLHttpServer, type RouteHandler } from './http-server.js';
import type { Runtime } from './runtime.js';

const BAD_IDENTITY = 'The identity presented for this operation is invalid or expired';

/** What a subgraph's services are built from. */
export interface ServiceDeps extends Runtime {
  orm: Orm;
  outbox: OutboxRelay;
  /** The subgraph's metrics; its services register their own on `metrics.registry`. */
  metrics: ServiceMetrics;
}

export type SubgraphContext<Services> = RequestContext & { services: Services };

/** Everything that makes a subgraph; each subgraph's schema.ts exports one. */
export interface SubgraphModule<Services> {
  name: ServiceName;
  entities: Constructor[];
  migrations: MigrationObject[];
  buildSchema(): Promise<GraphQLSchema>;
  /** Validates the subgraph's own settings before anything starts; throws ConfigError naming the variable. */
  checkSettings?(env: NodeJS.ProcessEnv): void;
  createServices(deps: ServiceDeps): Services;
  /** HTTP endpoints besides /graphql (webhooks, export downloads), by path; they do their own authentication. */
  routes?(deps: ServiceDeps, services: Services): Record<string, RouteHandler>;
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
  // Created before the services, so a subgraph's own metrics land on the registry /metrics serves.
  const metrics = createMetrics(module.name);
  registerOutboxMetrics(orm, metrics.registry);
  registerDbPoolMetrics(orm, metrics.registry);
  const deps: ServiceDeps = { ...runtime, logger, orm, outbox, metrics };
  const services = module.createServices(deps);
  const schema = await module.buildSchema();
  let accepting = true;

  const verifier = new IdentityVerifier(config.gatewaySecret);
  const wsConnections = new Gauge({
    name: 'graphql_ws_connections_open',
    help: 'graphql-ws connections open (from the gateway: one per gateway replica, not per client)',
    registers: [metrics.registry],
  });

  const contextFor = (identity: Identity | null, requestId: string) => ({
    requestId,
    identity,
    em: orm.em.fork(),
    loaders: new Loaders(),
    logger: logger.child({ requestId }),
    services,
  });

  /** null: no identity presented (anonymous); undefined: a bad, forged or expired one (refused). */
  const verified = (token: unknown): Identity | null | undefined => {
    if (token === undefined || token === null || token === '') return null;
    if (typeof token !== 'string') return undefined;
    const verification = verifier.verify(token);
    return 'identity' in verification ? verification.identity : undefined;
  };
  const identities = new WeakMap<IncomingMessage, Identity | null>();

  const apollo = new ApolloServer<SubgraphContext<Services>>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (stopOnSignal): Apollo re-raising the signal would cut the drain short.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      metricsPlugin(metrics),
      errorsAndLogsPlugin(logger),
      restrictedAccessPlugin(),
    ],
  });
  await apollo.start();

  const httpServer = createGraphQLHttpServer<SubgraphContext<Services>>({
    logger,
    metrics,
    apollo,
    maxBodyBytes: config.MAX_BODY_BYTES,
    async guard(req) {
      const secret = req.headers[IdentityHeader.secret];
      if (!isGatewaySecret(Array.isArray(secret) ? secret[0] : secret, config.gatewaySecret)) {
        return {
          status: 403,
          code: ErrorCode.FORBIDDEN,
          message: 'Subgraphs accept GraphQL requests only from the gateway',
        };
      }
      const identity = verified(req.headers[IdentityHeader.identity]);
      if (identity === undefined) {
        return { status: 401, code: ErrorCode.UNAUTHENTICATED, message: BAD_IDENTITY };
      }
      identities.set(req, identity);
      return null;
    },
    context: async (req, requestId) => contextFor(identities.get(req) ?? null, requestId),
    routes: module.routes?.(deps, services),
    ready: async () => accepting && (await orm.isConnected()) && (await runtime.state.ping()),
  });

  // Subscriptions from the gateway: the secret in connection_init; the signed identity per
  // operation in the subscribe message's extensions, since one gateway socket carries many
  // users (a token in connection_init, if any, is the default for operations without one).
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsIdentities = new WeakMap<object, Map<string, Identity | null>>();
  const param = (params: Record<string, unknown> | undefined, name: string) => params?.[name];
  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      onConnect: ({ connectionParams }) => {
        const accepted = isGatewaySecret(
          String(param(connectionParams, IdentityHeader.secret) ?? ''),
          config.gatewaySecret,
        );
        if (accepted) wsConnections.inc();
        return accepted;
      },
      onDisconnect: () => wsConnections.dec(),
      onSubscribe: (ctx, id, payload) => {
        const token =
          payload.extensions?.[IdentityExtension.identity] ?? param(ctx.connectionParams, IdentityHeader.identity);
        const identity = verified(token);
        if (identity === undefined) {
          return [new GraphQLError(BAD_IDENTITY, { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        }
        if (identity?.restricted) {
          let refusal: GraphQLError | null;
          try {
            refusal = refuseRestricted(schema, identity, parse(payload.query), payload.operationName);
          } catch {
            refusal = null; // unparsable: graphql-ws answers it with its own validation error
          }
          if (refusal) return [refusal];
        }
        let byId = wsIdentities.get(ctx);
        if (!byId) wsIdentities.set(ctx, (byId = new Map()));
        byId.set(id, identity);
      },
      context: (ctx, id, payload) => {
        const byId = wsIdentities.get(ctx);
        const identity = byId?.get(id) ?? null;
        byId?.delete(id);
        const requestId =
          payload.extensions?.[IdentityExtension.requestId] ?? param(ctx.connectionParams, IdentityHeader.requestId);
        return contextFor(identity, typeof requestId === 'string' ? requestId : '');
      },
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
