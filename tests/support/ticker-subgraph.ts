import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import pg from 'pg';
import type { Identity } from '../../platform/auth/identity.js';
import type { Config, ServiceName } from '../../platform/config.js';
import { forbidden, notFound, unauthenticated } from '../../platform/errors.js';
import { closeRuntime, createRuntime, type Runtime } from '../../platform/server/runtime.js';
import { testConfig } from './test-stack.js';
import {
  startSubgraph,
  type RunningService,
  type SubgraphContext,
  type SubgraphModule,
} from '../../platform/server/subgraph-server.js';
import { startGateway, type GatewayOptions } from '../../gateway/gateway-server.js';
import { usersSubgraph } from '../../subgraphs/users/schema.js';
import type { Profile } from './profiles.js';

/**
 * A test-only subgraph whose Subscription fields exercise the gateway's federated
 * subscriptions: `Tick.viewer` is a User reference the users subgraph resolves.
 * Field names carry a prefix so two instances can be composed side by side.
 */
export interface Tick {
  n: number;
  viewerId: string | null;
}

/** What the tests read: how many source streams are open and how many were closed by return(). */
export class TickerProbe {
  opened = 0;
  returned = 0;
  finished = 0;
  /** Identities seen by subscribe resolvers, in order. */
  readonly identities: (Identity | null)[] = [];

  get active(): number {
    return this.opened - this.returned - this.finished;
  }

  /** Polls until `predicate` holds (the streams close asynchronously). */
  async until(predicate: (probe: this) => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) {
        throw new Error(
          `probe condition not met: opened=${this.opened} returned=${this.returned} finished=${this.finished}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

type TickerContext = SubgraphContext<TickerProbe>;

function sdl(prefix: string): string {
  return `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

type Query {
  ${prefix}ping: Boolean!
}

type Subscription {
  "Ticks 1..count every intervalMs, then completes. Requires a signed-in user."
  ${prefix}ticks(count: Int!, intervalMs: Int!): Tick!
  "Ticks forever (idle streams use a long interval)."
  ${prefix}forever(intervalMs: Int!): Tick!
  "Always refused with FORBIDDEN when subscribing."
  ${prefix}forbidden: Tick!
  "Ticks \`after\` times, then fails mid-stream with NOT_FOUND."
  ${prefix}failing(after: Int!, intervalMs: Int!): Tick!
}

type Tick @shareable {
  n: Int!
  viewer: User
}

type User @key(fields: "id", resolvable: false) {
  id: ID!
}
`;
}

/**
 * A pull-based stream with a timer per tick. Hand-written rather than an async generator:
 * an async generator's return() waits for the pending timer, but a closed subscription
 * must stop at once (and the probe must see it).
 */
function tickStream(
  probe: TickerProbe,
  options: { count: number; intervalMs: number; viewerId: string | null; failAfter?: number },
): AsyncIterableIterator<Tick> {
  let n = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: ((result: IteratorResult<Tick>) => void) | undefined;
  const finished: IteratorReturnResult<undefined> = { done: true, value: undefined };
  probe.opened += 1;
  const finish = (returned: boolean) => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    if (returned) probe.returned += 1;
    else probe.finished += 1;
  };
  const iterator: AsyncIterableIterator<Tick> = {
    next() {
      if (closed) return Promise.resolve(finished);
      if (n >= options.count) {
        finish(false);
        return Promise.resolve(finished);
      }
      return new Promise<IteratorResult<Tick>>((resolve, reject) => {
        wake = resolve;
        timer = setTimeout(() => {
          wake = undefined;
          if (options.failAfter !== undefined && n >= options.failAfter) {
            finish(false);
            reject(notFound('Tick'));
            return;
          }
          n += 1;
          resolve({ done: false, value: { n, viewerId: options.viewerId } });
        }, options.intervalMs);
      });
    },
    async return() {
      finish(true);
      wake?.(finished);
      wake = undefined;
      return finished;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function resolvers(prefix: string) {
  const stream = (
    ctx: TickerContext,
    options: { count: number; intervalMs: number; failAfter?: number; needsUser?: boolean },
  ) => {
    ctx.services.identities.push(ctx.identity);
    if (options.needsUser && !ctx.identity) throw unauthenticated();
    return tickStream(ctx.services, { ...options, viewerId: ctx.identity?.userId ?? null });
  };
  const passThrough = (tick: Tick) => tick;
  return {
    Query: { [`${prefix}ping`]: () => true },
    Subscription: {
      [`${prefix}ticks`]: {
        subscribe: (_: unknown, args: { count: number; intervalMs: number }, ctx: TickerContext) =>
          stream(ctx, { ...args, needsUser: true }),
        resolve: passThrough,
      },
      [`${prefix}forever`]: {
        subscribe: (_: unknown, args: { intervalMs: number }, ctx: TickerContext) =>
          stream(ctx, { count: Number.POSITIVE_INFINITY, intervalMs: args.intervalMs }),
        resolve: passThrough,
      },
      [`${prefix}forbidden`]: {
        subscribe: () => {
          throw forbidden('Not your ticks');
        },
        resolve: passThrough,
      },
      [`${prefix}failing`]: {
        subscribe: (_: unknown, args: { after: number; intervalMs: number }, ctx: TickerContext) =>
          stream(ctx, { count: Number.POSITIVE_INFINITY, intervalMs: args.intervalMs, failAfter: args.after }),
        resolve: passThrough,
      },
    },
    Tick: {
      viewer: (tick: Tick) => (tick.viewerId ? { __typename: 'User', id: tick.viewerId } : null),
    },
  };
}

/** A SubgraphModule with no tables: startSubgraph serves it over HTTP and graphql-ws like any subgraph. */
export function tickerModule(name: string, prefix: string, probe: TickerProbe): SubgraphModule<TickerProbe> {
  return {
    // A test-only name outside the product's list; it only names the data directory and logs.
    name: name as ServiceName,
    entities: [],
    migrations: [],
    buildSchema: async () =>
      buildSubgraphSchema([{ typeDefs: parse(sdl(prefix)), resolvers: resolvers(prefix) as never }]),
    createServices: () => probe,
  };
}

/**
 * A TCP forwarder that can freeze the connections it carries: bytes stop flowing but
 * no socket closes, as when a host vanishes or the network between two hosts is cut.
 */
export class FreezableProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly server: Server;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.carry(client));
  }

  static async start(target: { host: string; port: number }): Promise<FreezableProxy> {
    const proxy = new FreezableProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  private carry(client: Socket): void {
    const upstream = createConnection(this.target);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    for (const [socket, peer] of [pair, [upstream, client] as const]) {
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        this.pairs.delete(pair);
        peer.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  /** Stops forwarding on every open connection; new connections are carried as usual. */
  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      // Flowing with no consumer drops what arrives, yet a close is still noticed (and passed on).
      client.resume();
      upstream.resume();
    }
  }

  async stop(): Promise<void> {
    for (const pair of this.pairs) for (const socket of pair) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export interface SubscriptionStack {
  config: Config;
  runtime: Runtime;
  gateway: RunningService;
  users: RunningService;
  /** The ticker subgraphs by name, each with its probe. */
  tickers: Record<string, { service: RunningService; probe: TickerProbe; stopped: boolean }>;
  /** The gateway reaches `clock` through this proxy. */
  clockProxy: FreezableProxy;
  supergraphSdl: string;
  /** Stops one ticker (as if its process went away); the rest keep running. */
  stopTicker(name: string): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * users + ticker subgraphs (fields unprefixed on `ticker`, `clock`-prefixed on `clock`),
 * composed at test time, behind a gateway started with that supergraph.
 */
export async function startSubscriptionStack(
  profile: Profile,
  options: { gateway?: Omit<GatewayOptions, 'supergraphSdl' | 'serviceUrls'>; env?: Record<string, string> } = {},
): Promise<SubscriptionStack> {
  const { config, dataDir } = testConfig(profile, { TRUST_PROXY: 'false', ...options.env });
  const runtime = await createRuntime(config, 'nexus');
  const started: RunningService[] = [];
  const tickers: SubscriptionStack['tickers'] = {};
  const databases = ['users', 'ticker', 'clock'];
  let clockProxy: FreezableProxy | undefined;
  const cleanup = async () => {
    await Promise.allSettled(started.map((service) => service.stop()));
    await clockProxy?.stop();
    await closeRuntime(runtime);
    rmSync(dataDir, { recursive: true, force: true });
    if (config.DATABASE_URL) await dropDatabases(config, databases);
  };
  try {
    const users = await startSubgraph(usersSubgraph, runtime, { port: 0 });
    started.push(users);
    const services = [
      { name: 'users', url: users.url, typeDefs: parse(printSubgraphSchema(await usersSubgraph.buildSchema())) },
    ];
    for (const [name, prefix] of [
      ['ticker', ''],
      ['clock', 'clock_'],
    ] as const) {
      const probe = new TickerProbe();
      const module = tickerModule(name, prefix, probe);
      const service = await startSubgraph(module, runtime, { port: 0 });
      started.push(service);
      tickers[name] = { service, probe, stopped: false };
      let url = service.url;
      if (name === 'clock') {
        clockProxy = await FreezableProxy.start({ host: config.HOST, port: service.port });
        url = `http://127.0.0.1:${clockProxy.port}/graphql`;
      }
      services.push({ name, url, typeDefs: parse(printSubgraphSchema(await module.buildSchema())) });
    }
    const composed = composeServices(services);
    if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
    const gateway = await startGateway(runtime, {
      ...options.gateway,
      port: 0,
      supergraphSdl: composed.supergraphSdl,
      serviceUrls: { users: users.url },
    });
    started.unshift(gateway);
    return {
      config,
      runtime,
      gateway,
      users,
      tickers,
      clockProxy: clockProxy!,
      supergraphSdl: composed.supergraphSdl,
      async stopTicker(name) {
        const ticker = tickers[name]!;
        if (ticker.stopped) return;
        ticker.stopped = true;
        started.splice(started.indexOf(ticker.service), 1);
        await ticker.service.stop();
      },
      destroy: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function dropDatabases(config: Config, names: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  try {
    for (const name of names) {
      await client.query(`drop database if exists "${config.DATABASE_PREFIX}_${name}" with (force)`);
    }
  } finally {
    await client.end();
  }
}
