/**
 * The gateway's heap per idle open subscription, and that closing them gives it all back.
 *
 * BENCH_IDLE_SUBSCRIPTIONS (10,000) subscriptions through a gateway in its own process, few
 * sockets with many subscriptions each (BENCH_SUBS_PER_SOCKET 50, BENCH_SUBS_PER_USER 200: the
 * gateway's default caps; MAX_SUBSCRIPTIONS_PER_CONNECTION / _PER_USER are raised for the gateway
 * process when these knobs ask for more). Each follows its user's reply, which streams at the
 * slowest rate the configuration allows, from an index the reply never reaches: the path is set
 * up end to end (client → gateway → companions subgraph) and nothing is ever delivered.
 *
 * Everything is read from the gateway's own /metrics: `gateway_subscriptions_open` and
 * prom-client's `nodejs_heap_size_used_bytes`. The product offers no way to force a GC, so the
 * heap is read once it has settled: /metrics sampled every 100 ms until the gateway's own
 * `nodejs_gc_duration_seconds_count{kind="major"}` shows a full collection, then the least heap
 * sample after it (at most BENCH_SETTLE_MS, 60 s; it says when none came). Each scrape allocates a
 * few hundred KB, so sampling brings a collection within seconds, but left alone V8 only
 * scavenges the young generation: the closed subscriptions' promoted objects would stay counted
 * for minutes. So the gateway runs with Node's `--gc-global` (every collection a full one; the
 * product's code and configuration unchanged), which BENCH_GC_GLOBAL=0 turns off. Baseline after
 * a warm-up (subscriptions opened and closed once), then with all open, then after all closed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../platform/config.js';
import {
  envNumber,
  formatNumber,
  graphql,
  httpPoster,
  printTable,
  type Benchmark,
  type BenchSettings,
  type Poster,
} from './harness.js';
import { accountOf, cleanUp, mapLimit, out, runIdOf, serverEnv, verdict, type Account } from './common.js';
import { startGateway, startSubgraphs, type Metrics, type ServerProcess } from './servers.js';
import { WsSession } from './streaming-client.js';

const HEAP_TARGET_BYTES = 30 * 1024;
const DEFAULT_PER_CONNECTION = 50;
const DEFAULT_PER_USER = 200;
/** Beyond any index a reply reaches (the subgraph's own maximum): the subscription stays silent. */
const SILENT_FROM_INDEX = 1_000_000;
const WARMUP_SUBSCRIPTIONS = 50;
const OPEN_CONCURRENCY = 16;

// The chat client's subscription (clients/operations/companions.graphql): its plan includes the
// users subgraph, so the gateway holds what a real chat subscription holds.
const STREAM = `subscription ReplyStream($messageId: ID!, $fromIndex: Int) {
  replyStream(messageId: $messageId, fromIndex: $fromIndex) {
    messageId index delta done finishReason
    message { id status content conversation { id user { displayName } } }
  }
}`;
const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }';
const CREATE = 'mutation($input: CompanionInput!) { createCompanion(input: $input) { id } }';
const START = 'mutation($id: ID!) { startConversation(companionId: $id) { id } }';
const SEND = 'mutation($c: ID!, $t: String!) { sendMessage(conversationId: $c, content: $t) { reply { id } } }';

interface Listener {
  account: Account;
  messageId: string;
}

/** Full collections to wait for: the later ones also drop what V8 ages out (unused bytecode). */
const FULL_GCS = 3;

/**
 * The gateway's heap once it has settled (see the header): samples every 100 ms until FULL_GCS
 * full collections (`nodejs_gc_duration_seconds_count{kind="major"}`) have happened, or until
 * `settleMs`; the least sample after the first of them (of all samples when none came: it says so).
 */
async function settledHeap(gateway: ServerProcess, settleMs: number) {
  const majors = (m: Metrics) => m.value('nodejs_gc_duration_seconds_count', 'kind="major"');
  const first = majors(await gateway.metrics());
  let samples: { heap: number; rss: number }[] = [];
  let seen = 0;
  const end = performance.now() + settleMs;
  while (performance.now() < end && seen < FULL_GCS) {
    await sleep(100);
    const metrics = await gateway.metrics();
    const now = majors(metrics) - first;
    if (now > 0 && seen === 0) samples = []; // only what a full collection left counts
    seen = now;
    samples.push({
      heap: metrics.value('nodejs_heap_size_used_bytes'),
      rss: metrics.value('process_resident_memory_bytes'),
    });
  }
  return {
    heap: Math.min(...samples.map((s) => s.heap)),
    rss: Math.min(...samples.map((s) => s.rss)),
    collected: seen > 0,
  };
}

async function waitForOpen(gateway: ServerProcess, wanted: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let open = NaN;
  while (performance.now() < deadline) {
    open = (await gateway.metrics()).value('gateway_subscriptions_open');
    if (open === wanted) return open;
    await sleep(200);
  }
  return open;
}

/** Opens `count` silent subscriptions, `perSocket` per socket, each user's on its own sockets. */
async function openAll(url: string, listeners: Listener[], count: number, perUser: number, perSocket: number) {
  const sockets: { listener: Listener; subscriptions: number }[] = [];
  for (let left = count, user = 0; left > 0; user++) {
    for (let mine = Math.min(perUser, left); mine > 0; mine -= perSocket) {
      const subscriptions = Math.min(perSocket, mine);
      sockets.push({ listener: listeners[user]!, subscriptions });
      left -= subscriptions;
    }
  }
  const errors: string[] = [];
  const sessions = await mapLimit(sockets, OPEN_CONCURRENCY, async ({ listener, subscriptions }) => {
    const session = await WsSession.open(url, listener.account.bearer, 30_000);
    for (let i = 0; i < subscriptions; i++) {
      session.subscribe(
        STREAM,
        { messageId: listener.messageId, fromIndex: SILENT_FROM_INDEX },
        {
          next: (_at, payload) => payload.errors?.length && errors.push(payload.errors[0]!.message),
          end: (e) => e && errors.push(e),
        },
      );
    }
    return session;
  });
  return { sessions, sockets: sockets.length, errors };
}

async function run(settings: BenchSettings): Promise<void> {
  const runId = runIdOf();
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-bench-idle-'));
  try {
    await measure(settings, runId, dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await cleanUp(settings.env, runId);
  }
}

async function measure(settings: BenchSettings, runId: string, dataDir: string): Promise<void> {
  const env = settings.env;
  const count = Math.floor(envNumber(env, 'BENCH_IDLE_SUBSCRIPTIONS', 10_000, 1));
  const perSocket = Math.floor(envNumber(env, 'BENCH_SUBS_PER_SOCKET', DEFAULT_PER_CONNECTION, 1));
  const perUser = Math.max(perSocket, Math.floor(envNumber(env, 'BENCH_SUBS_PER_USER', DEFAULT_PER_USER, 1)));
  const settleMs = envNumber(env, 'BENCH_SETTLE_MS', 60_000, 0);
  const gcGlobal = env.BENCH_GC_GLOBAL !== '0';
  const users = Math.ceil(count / perUser) + 1; // the last one for the warm-up
  const base = {
    ...serverEnv(env, runId, dataDir),
    OFFLINE_TOKENS_PER_SECOND: '0.1', // the slowest allowed: a reply keeps streaming for minutes
    LLM_MAX_COMPLETION_TOKENS: '512',
  };
  const config = loadConfig(base);
  out(
    `load: ${count} subscriptions, ${perSocket} per socket, ${perUser} per user (${users - 1} users); ` +
      `heap read after a full GC (gateway ${gcGlobal ? 'with' : 'without'} --gc-global; waiting at most ${settleMs} ms)`,
  );
  const subgraphs = await startSubgraphs(base);
  let gateway: ServerProcess | undefined;
  let http: { post: Poster; close(): void } | undefined;
  try {
    gateway = await startGateway(
      {
        ...base,
        MAX_SUBSCRIPTIONS_PER_CONNECTION: String(Math.max(DEFAULT_PER_CONNECTION, perSocket)),
        MAX_SUBSCRIPTIONS_PER_USER: String(Math.max(DEFAULT_PER_USER, perUser)),
      },
      subgraphs.urls,
      gcGlobal ? ['--gc-global'] : [],
    );
    http = httpPoster(gateway.url, 8);
    const post = http.post;

    // --- Set-up: users, one companion, a conversation and a streaming reply per user.
    const setupStart = performance.now();
    const accounts = await mapLimit(Array.from({ length: users }), 4, async (_, i) => {
      const input = {
        email: `idle-${runId}-${i}@example.com`,
        password: 'bench-Password-123',
        displayName: `Idle ${i}`,
      };
      const data = await graphql(post, REGISTER, { input }, {});
      return accountOf((data.register as { accessToken: string }).accessToken, config.gatewaySecret);
    });
    const companion = await graphql(
      post,
      CREATE,
      { input: { name: 'Vega', description: 'Slow talker.', personality: ['calm'], visibility: 'PUBLIC' } },
      accounts[0]!.bearer,
    );
    const companionId = (companion.createCompanion as { id: string }).id;
    const listeners = await mapLimit(accounts, 4, async (account, i): Promise<Listener> => {
      const started = await graphql(post, START, { id: companionId }, account.bearer);
      const conversationId = (started.startConversation as { id: string }).id;
      const sent = await graphql(post, SEND, { c: conversationId, t: `Tell me a long story, ${i}` }, account.bearer);
      return { account, messageId: (sent.sendMessage as { reply: { id: string } }).reply.id };
    });
    out(
      `setup: ${users} users, conversations and streaming replies in ${Math.round(performance.now() - setupStart)} ms`,
    );

    // --- Warm-up: the first subscriptions of a fresh gateway parse, plan and cache once.
    const warm = await openAll(
      gateway.url,
      listeners.slice(-1),
      Math.min(WARMUP_SUBSCRIPTIONS, count),
      perUser,
      perSocket,
    );
    await waitForOpen(gateway, Math.min(WARMUP_SUBSCRIPTIONS, count), 30_000);
    for (const session of warm.sessions) session.close();
    await waitForOpen(gateway, 0, 30_000);

    // Twice: start-up code that is no longer used is aged out over the first full collections.
    await settledHeap(gateway, settleMs);
    const before = await settledHeap(gateway, settleMs);
    const openStart = performance.now();
    const opened = await openAll(gateway.url, listeners, count, perUser, perSocket);
    const openCount = await waitForOpen(gateway, count, 60_000 + count * 10);
    const openMs = performance.now() - openStart;
    const errorsWhileOpening = opened.errors.length;
    const during = await settledHeap(gateway, settleMs);
    const settledMetrics = await gateway.metrics();
    // Still open after the settle window? (an upstream dropped meanwhile shows here and in errors)
    const stillOpen = settledMetrics.value('gateway_subscriptions_open');
    const upstream = settledMetrics.value('gateway_upstream_connections');
    for (const session of opened.sessions) session.close();
    const closeStart = performance.now();
    const leftOpen = await waitForOpen(gateway, 0, 60_000);
    const closeMs = performance.now() - closeStart;
    const after = await settledHeap(gateway, settleMs);

    const perSub = (during.heap - before.heap) / count;
    const growth = during.heap - before.heap;
    const retained = after.heap - before.heap;
    const nearBaseline = retained <= Math.max(0.1 * growth, 1024 * 1024);
    out();
    out('## Gateway process (its /metrics), settled heap = least nodejs_heap_size_used_bytes over the window');
    printTable([
      {
        subscriptions: count,
        sockets: opened.sockets,
        'open (metric)': openCount,
        'opened in ms': Math.round(openMs),
        'open after settling': stillOpen,
        'heap before MB': before.heap / 2 ** 20,
        'heap open MB': during.heap / 2 ** 20,
        'heap after close MB': after.heap / 2 ** 20,
        'heap KB/sub': perSub / 1024,
        'RSS KB/sub': (during.rss - before.rss) / count / 1024,
        'upstream connections': Number.isNaN(upstream) ? undefined : upstream,
        'open after close': leftOpen,
        'closed in ms': Math.round(closeMs),
        errors: opened.errors.length,
      },
    ]);
    out();
    out('## Targets (information: a MISS does not fail the run)');
    out(
      verdict(
        perSub <= HEAP_TARGET_BYTES && openCount === count,
        `≤ ${HEAP_TARGET_BYTES / 1024} KB of gateway heap per idle subscription (${count} open)`,
        `${formatNumber(perSub / 1024)} KB (${formatNumber(growth / 2 ** 20)} MB for ${openCount} open by gateway_subscriptions_open)`,
      ),
    );
    out(
      verdict(
        leftOpen === 0 && nearBaseline,
        'none left after close: gateway_subscriptions_open back to 0, heap back near baseline (within 10% of the growth or 1 MB)',
        `${leftOpen} open; heap ${retained >= 0 ? '+' : ''}${formatNumber(retained / 2 ** 20)} MB against the baseline ` +
          `(${formatNumber(retained / count)} bytes per subscription)` +
          (before.collected && after.collected ? '' : ' (not settled: no full GC seen, garbage included)'),
      ),
    );
    const uncollected = [before, during, after].filter((m) => !m.collected).length;
    if (uncollected)
      out(`${uncollected} of 3 heap figures saw no full collection within BENCH_SETTLE_MS: they include garbage`);
    if (opened.errors.length) {
      out(
        `errors: ${opened.errors.length} (${errorsWhileOpening} while opening, the rest while idle); first: ${opened.errors[0]}`,
      );
    }
    for (const server of [subgraphs.users, subgraphs.companions, gateway]) {
      for (const line of server.logSummary()) out(line);
    }
  } finally {
    http?.close();
    await gateway?.stop();
    await subgraphs.stop();
  }
}

export const idleSubscriptions: Benchmark = {
  name: 'idle-subscriptions',
  description: 'gateway heap per idle open subscription (from its /metrics), and nothing left once they close',
  run,
};
