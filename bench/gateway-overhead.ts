/**
 * What the gateway costs on reads, each server in its own process as in production:
 *   - `me` through the gateway against the same query straight to the users subgraph, at
 *     concurrency 1 (what a lone request pays) and at BENCH_CONCURRENCY;
 *   - a one-subgraph list (`companions(first: 20)`) at BENCH_LIST_CONCURRENCY (32): straight to
 *     the companions subgraph, through the gateway, and through Hive Gateway on the same
 *     supergraph file and subgraphs (request deduplication off; bench/hive/gateway.config.mjs).
 * Paths alternate over BENCH_ROUNDS rounds; figures are medians over rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../platform/config.js';
import {
  compare,
  envNumber,
  formatNumber,
  graphql,
  httpPoster,
  printTable,
  runRounds,
  type Benchmark,
  type BenchSettings,
  type Cell,
  type Poster,
  type RoundsResult,
} from './harness.js';
import { accountOf, cleanUp, mapLimit, out, runIdOf, serverEnv, signed, verdict, type Account } from './common.js';
import { ensureHive, startGateway, startHive, startSubgraphs, type ServerProcess } from './servers.js';

const ME_P50_TARGET_MS = 1;
const LIST_VS_DIRECT_TARGET = 0.8;
const LIST_VS_HIVE_TARGET = 1.2;
const COMPANIONS = 20;

const ME = 'query Me { me { id displayName } }';
const LIST = 'query Companions { companions(first: 20) { edges { node { id name } } } }';
const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }';
const CREATE = 'mutation($input: CompanionInput!) { createCompanion(input: $input) { id } }';

type Row = Record<string, Cell>;

/** A load-run call: a fixed body and a check cheap enough not to load the client (the answer was checked once). */
function loadCall(post: Poster, body: string, headers: Record<string, string>, minLength: number) {
  return async () => {
    const response = await post(body, headers);
    if (response.status !== 200 || response.body.length < minLength || response.body.includes('"errors"')) {
      throw new Error(`HTTP ${response.status}: ${response.body.slice(0, 200)}`);
    }
  };
}

function resultRow(scenario: string, path: string, result: RoundsResult, notes: string[]): Row {
  if (result.errors > 0) notes.push(`${scenario}, ${path}: ${result.errors} errors; first: ${result.firstError}`);
  return {
    scenario,
    conc: result.concurrency,
    path,
    requests: result.requests,
    errors: result.errors,
    rps: Math.round(result.rps),
    'p50 ms': result.p50Ms,
    'p50 rounds': result.rounds > 1 ? result.p50RangeMs.map(formatNumber).join('–') : undefined,
    'p99 ms': result.p99Ms,
    'max ms': result.maxMs,
    'server CPU ms/req': Number.isNaN(result.cpuMsPerRequest) ? undefined : result.cpuMsPerRequest,
  };
}

async function run(settings: BenchSettings): Promise<void> {
  const runId = runIdOf();
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-bench-overhead-'));
  try {
    await measure(settings, runId, dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await cleanUp(settings.env, runId);
  }
}

async function measure(settings: BenchSettings, runId: string, dataDir: string): Promise<void> {
  const listConcurrency = Math.floor(envNumber(settings.env, 'BENCH_LIST_CONCURRENCY', 32, 1));
  const env = serverEnv(settings.env, runId, dataDir);
  const config = loadConfig(env);
  await ensureHive(out);
  const subgraphs = await startSubgraphs(env);
  const servers: ServerProcess[] = [];
  const clients: { close(): void }[] = [];
  try {
    const gateway = await startGateway(env, subgraphs.urls);
    servers.push(gateway);
    const hive = await startHive(env, subgraphs.urls, config.gatewaySecret);
    servers.push(hive);
    out(
      `processes: users ${subgraphs.urls.users}, companions ${subgraphs.urls.companions}, ` +
        `gateway ${gateway.url}, Hive Gateway ${hive.url}; clients here`,
    );
    const sockets = Math.max(settings.concurrency, listConcurrency);
    const via = (url: string) => {
      const client = httpPoster(url, sockets);
      clients.push(client);
      return client.post;
    };
    const post = { gateway: via(gateway.url), hive: via(hive.url), users: via(subgraphs.urls.users) };
    const companionsPost = via(subgraphs.urls.companions);

    // --- Set-up: a user who signs in and 20 companions the list shows, the last one PRIVATE (only its
    // owner sees it): equal answers on every path prove each one forwarded the identity.
    const data = await graphql(
      post.gateway,
      REGISTER,
      { input: { email: `bench-${runId}@example.com`, password: 'bench-Password-123', displayName: 'Bench' } },
      {},
    );
    const account: Account = accountOf((data.register as { accessToken: string }).accessToken, config.gatewaySecret);
    await mapLimit(Array.from({ length: COMPANIONS }), 4, (_, i) =>
      graphql(
        post.gateway,
        CREATE,
        {
          input: {
            name: `Star ${i}`,
            description: 'A guide.',
            personality: ['calm'],
            visibility: i === COMPANIONS - 1 ? 'PRIVATE' : 'PUBLIC',
          },
        },
        account.bearer,
      ),
    );

    // --- Each path answers the same, once, before any load.
    const meBody = JSON.stringify({ query: ME, operationName: 'Me' });
    const listBody = JSON.stringify({ query: LIST, operationName: 'Companions' });
    const paths = {
      meDirect: { post: post.users, body: meBody, headers: account.direct },
      meGateway: { post: post.gateway, body: meBody, headers: account.bearer },
      listDirect: { post: companionsPost, body: listBody, headers: account.direct },
      listGateway: { post: post.gateway, body: listBody, headers: account.bearer },
      // Hive Gateway does not verify this project's tokens: the client sends the identity the
      // NexusAI gateway would derive, and Hive forwards it with the secret (gateway.config.mjs).
      listHive: { post: post.hive, body: listBody, headers: account.identity },
    };
    const minLength: Record<string, number> = {};
    const answers: Record<string, string> = {};
    for (const [name, path] of Object.entries(paths)) {
      const { query } = JSON.parse(path.body) as { query: string };
      const answer = JSON.stringify(await graphql(path.post, query, undefined, path.headers));
      minLength[name] = answer.length;
      answers[name] = answer;
    }
    if (answers.meDirect !== answers.meGateway) throw new Error(`me answers differ: ${answers.meGateway}`);
    if (!(answers.listDirect === answers.listGateway && answers.listGateway === answers.listHive)) {
      throw new Error(`list answers differ: ${answers.listGateway} / ${answers.listHive}`);
    }
    const call = (name: keyof typeof paths) => {
      const path = paths[name];
      return loadCall(path.post, path.body, path.headers, minLength[name]!);
    };

    const rows: Row[] = [];
    const deltas: Row[] = [];
    const notes: string[] = [];
    const common = { durationMs: settings.durationMs, warmupMs: settings.warmupMs, rounds: settings.rounds };
    const meByConcurrency = new Map<number, RoundsResult[]>();
    for (const concurrency of [...new Set([1, settings.concurrency])]) {
      out(
        `running: me at concurrency ${concurrency} (${settings.rounds} rounds × 2 paths × ${settings.durationMs} ms)…`,
      );
      // Server CPU: the users subgraph and the gateway processes together (one is idle on the direct path).
      const me = await runRounds({
        ...common,
        concurrency,
        serverCpuMs: async () => (await subgraphs.users.cpuMs()) + (await gateway.cpuMs()),
        baseline: { name: 'direct', call: call('meDirect') },
        candidates: [{ name: 'gateway', call: call('meGateway') }],
      });
      meByConcurrency.set(concurrency, me);
      rows.push(resultRow('me', 'direct users', me[0]!, notes), resultRow('me', 'gateway', me[1]!, notes));
      const c = compare(me[0]!, me[1]!);
      deltas.push({
        scenario: 'me',
        conc: concurrency,
        comparison: 'gateway vs direct',
        'p50 Δ ms': c.p50DeltaMs,
        'p99 Δ ms': c.p99DeltaMs,
        'CPU Δ ms/req': c.cpuDeltaMs,
        'rps ratio': c.rpsRatio,
      });
    }
    out(
      `running: companions(first: 20) at concurrency ${listConcurrency} (${settings.rounds} rounds × 3 paths × ${settings.durationMs} ms)…`,
    );
    // Server CPU: every server process together (only the path's gateway and subgraph are busy).
    const allCpuMs = async () => {
      const each = await Promise.all([subgraphs.companions, gateway, hive].map((server) => server.cpuMs()));
      return each.reduce((a, b) => a + b, 0);
    };
    const list = await runRounds({
      ...common,
      concurrency: listConcurrency,
      serverCpuMs: allCpuMs,
      baseline: { name: 'direct', call: call('listDirect') },
      candidates: [
        { name: 'gateway', call: call('listGateway') },
        { name: 'Hive Gateway', call: call('listHive') },
      ],
    });
    rows.push(
      resultRow('list', 'direct companions', list[0]!, notes),
      resultRow('list', 'gateway', list[1]!, notes),
      resultRow('list', 'Hive Gateway', list[2]!, notes),
    );
    for (const [baseline, label] of [
      [list[0]!, 'gateway vs direct'],
      [list[2]!, 'gateway vs Hive Gateway'],
    ] as const) {
      const c = compare(baseline, list[1]!);
      deltas.push({
        scenario: 'list',
        conc: listConcurrency,
        comparison: label,
        'p50 Δ ms': c.p50DeltaMs,
        'p99 Δ ms': c.p99DeltaMs,
        'CPU Δ ms/req': c.cpuDeltaMs,
        'rps ratio': c.rpsRatio,
      });
    }

    out();
    out(`## Latency and throughput (median of ${settings.rounds} rounds, ${settings.durationMs} ms each)`);
    printTable(rows);
    out();
    out('## Gateway against the others (Δ = gateway − other; rps ratio = gateway / other)');
    printTable(deltas);
    out();
    out('## Targets (information: a MISS does not fail the run)');
    const [meDirect, meGateway] = meByConcurrency.get(1)!;
    const meDelta = meGateway!.p50Ms - meDirect!.p50Ms;
    out(
      verdict(
        meDelta <= ME_P50_TARGET_MS,
        `\`me\` through the gateway adds ≤ ${ME_P50_TARGET_MS} ms at p50 (concurrency 1)`,
        `${signed(meDelta)} ms (direct ${formatNumber(meDirect!.p50Ms)} ms, gateway ${formatNumber(meGateway!.p50Ms)} ms)`,
      ),
    );
    const [listDirect, listGateway, listHive] = list;
    const vsDirect = listGateway!.rps / listDirect!.rps;
    const vsHive = listGateway!.rps / listHive!.rps;
    out(
      verdict(
        vsDirect >= LIST_VS_DIRECT_TARGET,
        `list at concurrency ${listConcurrency}: gateway ≥ ${LIST_VS_DIRECT_TARGET}× direct subgraph throughput`,
        `${formatNumber(vsDirect)}× (${Math.round(listGateway!.rps)} against ${Math.round(listDirect!.rps)} rps)`,
      ),
    );
    out(
      verdict(
        vsHive >= LIST_VS_HIVE_TARGET,
        `list at concurrency ${listConcurrency}: gateway ≥ ${LIST_VS_HIVE_TARGET}× Hive Gateway's throughput`,
        `${formatNumber(vsHive)}× (${Math.round(listGateway!.rps)} against ${Math.round(listHive!.rps)} rps)`,
      ),
    );
    for (const note of notes) out(note);
    for (const server of [subgraphs.users, subgraphs.companions, ...servers]) {
      for (const line of server.logSummary()) out(line);
    }
  } finally {
    for (const client of clients) client.close();
    for (const server of servers.reverse()) await server.stop();
    await subgraphs.stop();
  }
}

export const gatewayOverhead: Benchmark = {
  name: 'gateway-overhead',
  description:
    'gateway vs direct subgraph for `me` (concurrency 1 and BENCH_CONCURRENCY) and a one-subgraph list at concurrency 32, with Hive Gateway side by side',
  run,
};
