/**
 * Reply streams through the gateway against the same streams straight from the companions
 * subgraph: BENCH_STREAMS concurrent streams (default 1000) of replies from the offline provider
 * at BENCH_TOKENS_PER_SECOND (20); per-token latency, time to first token, chunks lost,
 * duplicated or reordered, errors, throughput and each server's CPU per token.
 *
 * Paths, each in its own phase under the same load, in alternating order over BENCH_ROUNDS:
 *   - direct: graphql-ws straight to the companions subgraph (secret and identity in
 *     connection_init, as the gateway sends them), sendMessage over HTTP to it;
 *   - gateway: the same operation through the gateway (Bearer token): its hop alone;
 *   - gateway+users: the chat client's operation, whose `user { displayName }` the gateway
 *     fetches from the users subgraph for every chunk. The targets are judged on this one.
 *
 * Latency is measured from outside, against a reference: each reply also has a probe, one
 * subscription straight to the companions subgraph on a socket of its own, opened with the
 * measured streams. A chunk's latency on a stream is its receive time minus the probe's receive
 * time of the same chunk (same process, one monotonic clock); on the direct path that is the
 * noise of the client and the subgraph's fan-out, and what the gateway adds is its path's
 * figure minus direct's. Only chunks that arrived live on both the stream and the probe count
 * (a chunk replayed from the buffer at subscription time is set-up, counted in time to first
 * token). Time to first token: sendMessage answered → first chunk on the stream.
 *
 * Servers run as in production, each in its own process (bench/servers.ts): users and companions
 * subgraphs, and the gateway; CPU and event-loop lag come from their /metrics. The clients (up to a
 * thousand sockets) are this process, whose loop does nothing else during a phase.
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
  type Cell,
} from './harness.js';
import {
  accountOf,
  cleanUp,
  mapLimit,
  median,
  out,
  percentile,
  runIdOf,
  serverEnv,
  signed,
  verdict,
  type Account,
} from './common.js';
import { startGateway, startSubgraphs, type Metrics, type ServerProcess } from './servers.js';
import { nowMs, WsSession, type NextPayload } from './streaming-client.js';

const TOKEN_P99_TARGET_MS = 10;
const TTFT_TARGET_MS = 20;
const JUDGED_PATH: PathName = 'gateway+users';
const CONVERSATIONS_PER_USER = 10;
/**
 * Replies started per phase (BENCH_REPLIES); more streams than that follow the same replies, each
 * on a socket of its own (one user's devices). A reply costs the companions subgraph ~20 SQL
 * statements: on the embedded PGlite, a thousand independent replies do not fit a 2-core machine.
 */
const REPLIES = 50;
const OPEN_CONCURRENCY = 32;
const HTTP_SOCKETS = 64;
const WARMUP_REPLIES = 20;

// Every path streams the chunk and its message down to the conversation's user as the companions
// subgraph knows it (its key), so the gateway's plan is this one subgraph and nothing else.
const STREAM = `subscription ReplyStream($messageId: ID!, $fromIndex: Int) {
  replyStream(messageId: $messageId, fromIndex: $fromIndex) {
    messageId index delta done finishReason
    message { id status content completionTokens finishReason conversation { id user { id } } }
  }
}`;
// The chat client's subscription: displayName comes from the users subgraph, on every chunk.
const CHAT_STREAM = STREAM.replace('user { id }', 'user { displayName }');
const SEND = 'mutation($c: ID!, $t: String!) { sendMessage(conversationId: $c, content: $t) { reply { id } } }';
const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }';
const CREATE = 'mutation($input: CompanionInput!) { createCompanion(input: $input) { id } }';
const START = 'mutation($id: ID!) { startConversation(companionId: $id) { id } }';

type PathName = 'direct' | 'gateway' | 'gateway+users';
const PATHS: PathName[] = ['direct', 'gateway', 'gateway+users'];

interface PathTarget {
  name: PathName;
  url: string;
  query: string;
  auth(account: Account): Record<string, string>;
}

interface Conversation {
  id: string;
  account: Account;
}

/** One subscription's chunks: indexes and receive times, in arrival order. */
class Received {
  readonly index: number[] = [];
  readonly at: number[] = [];
  sendEndMs = NaN;
  errors: string[] = [];
  ended = false;

  sink(done: () => void) {
    return {
      next: (receivedMs: number, payload: NextPayload) => {
        if (payload.errors?.length) this.errors.push(payload.errors[0]!.message);
        const chunk = payload.data?.replyStream as { index: number } | undefined;
        if (!chunk) return;
        this.index.push(chunk.index);
        this.at.push(receivedMs);
      },
      end: (error?: string) => {
        if (error) this.errors.push(error);
        this.ended = true;
        done();
      },
    };
  }
}

interface ServerUsage {
  cpuMs: number;
  loopP99Ms: number;
}

interface PhaseRaw {
  path: PathName;
  /** Per reply: the probe and the measured streams. */
  replies: { probe: Received; streams: Received[] }[];
  gateway: ServerUsage;
  companions: ServerUsage;
  users: ServerUsage;
}

interface Context {
  gateway: ServerProcess;
  users: ServerProcess;
  companions: ServerProcess;
  companionsUrl: string;
  rate: number;
  replyTokens: number;
  rampMs: number;
  streamsPerReply: number;
  phase: number;
}

const usage = (before: Metrics, after: Metrics): ServerUsage => ({
  cpuMs: (after.value('process_cpu_seconds_total') - before.value('process_cpu_seconds_total')) * 1000,
  // prom-client resets its event-loop histogram at every scrape: this is the phase's own p99.
  loopP99Ms: after.value('nodejs_eventloop_lag_p99_seconds') * 1000,
});

async function runPhase(ctx: Context, target: PathTarget, conversations: Conversation[]): Promise<PhaseRaw> {
  const phase = ++ctx.phase;
  const perReply = ctx.streamsPerReply;
  const probes = await mapLimit(conversations, OPEN_CONCURRENCY, (c) =>
    WsSession.open(ctx.companionsUrl, c.account.direct, 30_000),
  );
  const sessions = await mapLimit(
    conversations.flatMap((c) => Array.from({ length: perReply }, () => c)),
    OPEN_CONCURRENCY,
    (c) => WsSession.open(target.url, target.auth(c.account), 30_000),
  );
  // A fresh keep-alive pool per phase: one idle since the last phase may be closed by the server
  // just as it is reused, an ECONNRESET that says nothing about streaming.
  const http = httpPoster(target.url, HTTP_SOCKETS);
  const servers = [ctx.gateway, ctx.users, ctx.companions];
  const replies = conversations.map(() => ({ probe: new Received(), streams: [] as Received[] }));
  try {
    const before = await Promise.all(servers.map((server) => server.metrics()));
    const reply = async (index: number) => {
      const conversation = conversations[index]!;
      const entry = replies[index]!;
      const sendStartMs = nowMs();
      let messageId: string;
      try {
        const data = await graphql(
          http.post,
          SEND,
          { c: conversation.id, t: `Phase ${phase}: tell me about the star numbered ${index}` },
          target.auth(conversation.account),
        );
        messageId = (data.sendMessage as { reply: { id: string } }).reply.id;
      } catch (error) {
        entry.probe.errors.push(`sendMessage: ${(error as Error).message} (after ${nowMs() - sendStartMs} ms)`);
        return;
      }
      const sendEndMs = nowMs();
      const follow = (session: WsSession, query: string, received: Received) =>
        new Promise<void>((done) => {
          received.sendEndMs = sendEndMs;
          session.subscribe(query, { messageId, fromIndex: 0 }, received.sink(done));
        });
      const streams = sessions.slice(index * perReply, (index + 1) * perReply).map((session) => {
        const received = new Received();
        entry.streams.push(received);
        return follow(session, target.query, received);
      });
      await Promise.all([follow(probes[index]!, STREAM, entry.probe), ...streams]);
    };
    // Sends spread evenly over the ramp: all at the same instant is a thundering herd.
    const all = Promise.all(
      conversations.map((_, i) => sleep((i * ctx.rampMs) / conversations.length).then(() => reply(i))),
    );
    const hardMs = ctx.rampMs + ((ctx.replyTokens + 1) * 1000) / ctx.rate + 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((done) => (timer = setTimeout(done, hardMs)))]);
    clearTimeout(timer);
    const after = await Promise.all(servers.map((server) => server.metrics()));
    const [gateway, users, companions] = servers.map((_, i) => usage(before[i]!, after[i]!));
    return { path: target.name, replies, gateway: gateway!, users: users!, companions: companions! };
  } finally {
    http.close();
    for (const session of [...sessions, ...probes]) session.close();
    // A reply nobody saw finish may still hold its conversation: let it end before the next phase.
    const unsettled = replies.some((r) => !r.probe.ended);
    await sleep(unsettled ? 500 + ((ctx.replyTokens + 1) * 1000) / ctx.rate : 500);
  }
}

interface PhaseFigures {
  path: PathName;
  streams: number;
  completed: number;
  unfinished: number;
  /** The reply had ended before the stream subscribed: it got the one final chunk, by design. */
  late: number;
  errors: number;
  firstError: string | undefined;
  tokens: number;
  lost: number;
  duplicated: number;
  reordered: number;
  live: number;
  tokenP50: number;
  tokenP99: number;
  tokenMax: number;
  ttftP50: number;
  ttftP99: number;
  tokensPerSecond: number;
  gatewayCpuUsPerToken: number;
  subgraphsCpuUsPerToken: number;
  gatewayLoopP99: number;
  subgraphsLoopP99: number;
}

function analyse(raw: PhaseRaw): PhaseFigures {
  const latencies: number[] = [];
  const ttft: number[] = [];
  let streams = 0;
  let completed = 0;
  let unfinished = 0;
  let late = 0;
  let errors = 0;
  let firstError: string | undefined;
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let tokens = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const { probe, streams: runs } of raw.replies) {
    if (probe.errors.length) {
      // The probe's own failure (or the send's) spoils the reference: counted, and said why.
      errors += probe.errors.length;
      firstError ??= `probe: ${probe.errors[0]}`;
    }
    const reference = new Map<number, number>();
    const probeFirst = probe.at[0] ?? Infinity;
    probe.index.forEach((index, j) => reference.set(index, probe.at[j]!));
    const doneIndex = Math.max(-1, ...probe.index);
    for (const run of runs) {
      streams++;
      errors += run.errors.length;
      firstError ??= run.errors[0];
      if (!run.ended) unfinished++;
      if (run.at.length === 0) continue;
      const runFirst = run.at[0]!;
      ttft.push(runFirst - run.sendEndMs);
      if (run.index.length === 1 && run.index[0] === doneIndex && doneIndex > 0) {
        late++;
        completed++;
        continue;
      }
      const seen = new Set<number>();
      let highest = -1;
      run.index.forEach((index, j) => {
        if (seen.has(index)) duplicated++;
        if (index < highest) reordered++;
        seen.add(index);
        highest = Math.max(highest, index);
        if (index === doneIndex) return;
        const at = run.at[j]!;
        tokens++;
        first = Math.min(first, at);
        last = Math.max(last, at);
        const ref = reference.get(index);
        // Live on both: the probe got it after its own first chunk, and after this stream's first.
        if (ref !== undefined && ref > probeFirst && ref > runFirst) latencies.push(at - ref);
      });
      for (const index of reference.keys()) if (!seen.has(index)) lost++;
      if (doneIndex >= 0 && seen.has(doneIndex)) completed++;
    }
  }
  const perToken = (cpuMs: number) => (tokens ? (cpuMs * 1000) / tokens : NaN);
  return {
    path: raw.path,
    streams,
    completed,
    unfinished,
    late,
    errors,
    firstError,
    tokens,
    lost,
    duplicated,
    reordered,
    live: latencies.length,
    tokenP50: percentile(latencies, 50),
    tokenP99: percentile(latencies, 99),
    tokenMax: percentile(latencies, 100),
    ttftP50: percentile(ttft, 50),
    ttftP99: percentile(ttft, 99),
    tokensPerSecond: tokens > 1 ? tokens / ((last - first) / 1000) : NaN,
    gatewayCpuUsPerToken: raw.path === 'direct' ? NaN : perToken(raw.gateway.cpuMs),
    subgraphsCpuUsPerToken: perToken(raw.companions.cpuMs + raw.users.cpuMs),
    gatewayLoopP99: raw.gateway.loopP99Ms,
    subgraphsLoopP99: Math.max(raw.companions.loopP99Ms, raw.users.loopP99Ms),
  };
}

const COUNTS = new Set([
  'streams',
  'completed',
  'unfinished',
  'late',
  'errors',
  'tokens',
  'lost',
  'duplicated',
  'reordered',
  'live',
]);

/** Each figure's median across rounds on its own (as harness.ts medianOf); counts are summed. */
function combine(rounds: PhaseFigures[]): PhaseFigures {
  const combined: Record<string, unknown> = { path: rounds[0]!.path };
  for (const key of Object.keys(rounds[0]!) as (keyof PhaseFigures)[]) {
    if (key === 'path' || key === 'firstError') continue;
    const values = rounds.map((round) => round[key] as number);
    combined[key] = COUNTS.has(key) ? values.reduce((a, b) => a + b, 0) : median(values);
  }
  combined.firstError = rounds.find((round) => round.firstError)?.firstError;
  return combined as unknown as PhaseFigures;
}

async function run(settings: BenchSettings): Promise<void> {
  const runId = runIdOf();
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-bench-streaming-'));
  try {
    await measure(settings, runId, dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await cleanUp(settings.env, runId);
  }
}

async function measure(settings: BenchSettings, runId: string, dataDir: string): Promise<void> {
  const env = settings.env;
  const wanted = Math.floor(envNumber(env, 'BENCH_STREAMS', 1000, 1));
  const replies = Math.min(wanted, Math.floor(envNumber(env, 'BENCH_REPLIES', REPLIES, 1)));
  const perReply = Math.ceil(wanted / replies);
  const rate = envNumber(env, 'BENCH_TOKENS_PER_SECOND', 20, 0.1);
  const replyTokens = Math.floor(envNumber(env, 'BENCH_REPLY_TOKENS', 60, 2));
  const rampMs = envNumber(env, 'BENCH_RAMP_MS', 1000, 0);
  const rounds = settings.rounds;
  // BENCH_PATHS narrows the run (investigations); the figures need direct, so it always runs.
  const paths = PATHS.filter((p) => p === 'direct' || !env.BENCH_PATHS || env.BENCH_PATHS.split(',').includes(p));
  const base = {
    ...serverEnv(env, runId, dataDir),
    OFFLINE_TOKENS_PER_SECOND: String(rate),
    LLM_MAX_COMPLETION_TOKENS: String(replyTokens),
  };
  const config = loadConfig(base);
  out(
    `load: ${replies * perReply} streams (${replies} replies × ${perReply}, one socket each, plus one probe per reply), ` +
      `${rate} tokens/s, replies of at most ${replyTokens} tokens, sends spread over ${rampMs} ms; ` +
      `${rounds} rounds × ${paths.length} paths (${paths.join(', ')})`,
  );
  const subgraphs = await startSubgraphs(base);
  let gateway: ServerProcess | undefined;
  const figures: Record<PathName, PhaseFigures[]> = { direct: [], gateway: [], 'gateway+users': [] };
  try {
    gateway = await startGateway(base, subgraphs.urls);
    out(`processes: users ${subgraphs.urls.users}, companions ${subgraphs.urls.companions}, gateway ${gateway.url}`);
    const http = httpPoster(gateway.url, 8);
    const conversations: Conversation[] = [];
    try {
      const started = nowMs();
      const users = Math.ceil(replies / CONVERSATIONS_PER_USER);
      const accounts = await mapLimit(Array.from({ length: users }), 4, async (_, i) => {
        const input = {
          email: `stream-${runId}-${i}@example.com`,
          password: 'bench-Password-123',
          displayName: `Listener ${i}`,
        };
        const data = await graphql(http.post, REGISTER, { input }, {});
        return accountOf((data.register as { accessToken: string }).accessToken, config.gatewaySecret);
      });
      const input = {
        name: 'Nova',
        description: 'A guide to the night sky.',
        personality: ['cheerful'],
        visibility: 'PUBLIC',
      };
      const companion = await graphql(http.post, CREATE, { input }, accounts[0]!.bearer);
      const companionId = (companion.createCompanion as { id: string }).id;
      await mapLimit(Array.from({ length: replies }), 8, async (_, i) => {
        const account = accounts[i % users]!;
        const data = await graphql(http.post, START, { id: companionId }, account.bearer);
        conversations[i] = { id: (data.startConversation as { id: string }).id, account };
      });
      out(`setup: ${users} users, 1 companion, ${replies} conversations in ${Math.round(nowMs() - started)} ms`);
    } finally {
      http.close();
    }
    const gatewayTarget = (name: PathName, query: string): PathTarget => ({
      name,
      url: gateway!.url,
      query,
      auth: (account) => account.bearer,
    });
    const targets: Record<PathName, PathTarget> = {
      direct: { name: 'direct', url: subgraphs.urls.companions, query: STREAM, auth: (account) => account.direct },
      gateway: gatewayTarget('gateway', STREAM),
      'gateway+users': gatewayTarget('gateway+users', CHAT_STREAM),
    };
    const ctx: Context = {
      gateway,
      users: subgraphs.users,
      companions: subgraphs.companions,
      companionsUrl: subgraphs.urls.companions,
      rate,
      replyTokens,
      rampMs,
      streamsPerReply: 1,
      phase: 0,
    };
    const warmup = Math.min(replies, WARMUP_REPLIES);
    out(`running: warm-up (${warmup} replies per path, not recorded)…`);
    for (const path of paths) await runPhase(ctx, targets[path], conversations.slice(0, warmup));
    ctx.streamsPerReply = perReply;
    for (let round = 0; round < rounds; round++) {
      // A B C, C B A, …: drift (a neighbour's job, GC) lands on every path alike.
      for (const path of round % 2 === 0 ? paths : [...paths].reverse()) {
        const f = analyse(await runPhase(ctx, targets[path], conversations));
        figures[path].push(f);
        out(
          `  round ${round + 1} ${path}: ${f.completed}/${f.streams} complete (${f.late} late), token Δ p50 ` +
            `${formatNumber(f.tokenP50)} ms p99 ${formatNumber(f.tokenP99)} ms, TTFT p50 ${formatNumber(f.ttftP50)} ms, ` +
            `lost ${f.lost}, dup ${f.duplicated}, reordered ${f.reordered}, errors ${f.errors}`,
        );
      }
    }
  } finally {
    await gateway?.stop();
    await subgraphs.stop();
  }
  report(
    paths.map((path) => combine(figures[path])),
    { rate, rounds, streams: replies * perReply },
  );
  for (const server of [subgraphs.users, subgraphs.companions, gateway!]) {
    for (const line of server.logSummary()) out(line);
  }
}

function report(combined: PhaseFigures[], load: { rate: number; rounds: number; streams: number }): void {
  type Row = Record<string, Cell>;
  out();
  out(
    `## ${load.streams} streams at ${load.rate} tokens/s: token Δ = receive − the probe's receive of the same chunk ` +
      `(median of ${load.rounds} rounds; counts summed)`,
  );
  printTable(
    combined.map((f): Row => ({
      path: f.path,
      complete: f.completed,
      late: f.late,
      unfinished: f.unfinished,
      tokens: f.tokens,
      lost: f.lost,
      dup: f.duplicated,
      reordered: f.reordered,
      errors: f.errors,
      'live tokens': f.live,
      'token Δ p50 ms': f.tokenP50,
      'token Δ p99 ms': f.tokenP99,
      'token Δ max ms': f.tokenMax,
      'TTFT p50 ms': f.ttftP50,
      'TTFT p99 ms': f.ttftP99,
      'tokens/s': Math.round(f.tokensPerSecond),
      'gateway CPU µs/token': f.path === 'direct' ? undefined : f.gatewayCpuUsPerToken,
      'subgraphs CPU µs/token': f.subgraphsCpuUsPerToken,
      'gateway loop p99 ms': f.path === 'direct' ? undefined : f.gatewayLoopP99,
      'subgraphs loop p99 ms': f.subgraphsLoopP99,
    })),
  );
  const direct = combined.find((f) => f.path === 'direct')!;
  out();
  out('## Targets (information: a MISS does not fail the run)');
  for (const f of combined.filter((f) => f.path !== 'direct')) {
    const judged = f.path === JUDGED_PATH ? '' : ' (for information; the target is stated for gateway+users)';
    const tokenDelta = f.tokenP99 - direct.tokenP99;
    const ttftDelta = f.ttftP50 - direct.ttftP50;
    out(
      verdict(
        tokenDelta <= TOKEN_P99_TARGET_MS,
        `${f.path}: p99 per-token latency added ≤ ${TOKEN_P99_TARGET_MS} ms${judged}`,
        `${signed(tokenDelta)} ms (${formatNumber(f.tokenP99)} against direct ${formatNumber(direct.tokenP99)} ms, ${f.live} live tokens)`,
      ),
    );
    out(
      verdict(
        ttftDelta <= TTFT_TARGET_MS,
        `${f.path}: time to first token added ≤ ${TTFT_TARGET_MS} ms (p50)${judged}`,
        `${signed(ttftDelta)} ms (${formatNumber(f.ttftP50)} against direct ${formatNumber(direct.ttftP50)} ms; p99 ${signed(f.ttftP99 - direct.ttftP99)} ms)`,
      ),
    );
    out(
      verdict(
        f.lost + f.duplicated + f.reordered === 0,
        `${f.path}: 0 lost, duplicated or reordered chunks${judged}`,
        `${f.lost} lost, ${f.duplicated} duplicated, ${f.reordered} reordered (${f.late} late, ${f.unfinished} unfinished)`,
      ),
    );
    out(
      verdict(
        f.errors === 0,
        `${f.path}: 0 errors${judged}`,
        `${f.errors}${f.firstError ? `; first: ${f.firstError}` : ''}`,
      ),
    );
  }
  if (direct.errors || direct.lost + direct.duplicated + direct.reordered) {
    out(
      `direct: ${direct.errors} errors, ${direct.lost} lost, ${direct.duplicated} duplicated, ${direct.reordered} reordered` +
        `${direct.firstError ? `; first error: ${direct.firstError}` : ''}`,
    );
  }
}

export const streaming: Benchmark = {
  name: 'streaming',
  description:
    'reply streams through the gateway vs straight from the companions subgraph: per-token latency against a probe, time to first token, loss, errors, CPU per token',
  run,
};
