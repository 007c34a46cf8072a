import pg from 'pg';
import { servicesAvailable } from '../support/profiles.js';
import { SERVICES } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { bearer, errorCode, gql, register } from '../support/http.js';
import { createCompanion, REPLY_STREAM, SEND, startConversation, type Chunk } from '../support/chat.js';
import { collect } from '../support/ws.js';
import {
  dropRunDatabases,
  launchGraph,
  runPrefixes,
  subgraphIdentity,
  waitFor,
  type GraphProcess,
} from '../support/graph-process.js';

type Stream = { replyStream: Chunk };
const ME = '{ me { id } }';

const status = async (url: string) => (await fetch(url)).status;
const unhandledRejections = async (base: string) => {
  const text = await (await fetch(`${base}/metrics`)).text();
  const match = /^process_unhandled_rejections_total\{[^}]*\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
};

/**
 * The whole graph as a real process on PostgreSQL, Kafka and Redis, with Redis reached
 * through a TCP proxy the test takes down mid-reply and brings back.
 */
(servicesAvailable() ? describe : describe.skip)('a Redis outage (services profile, Redis behind a proxy)', () => {
  const prefixes = runPrefixes();
  const redis = new URL(SERVICES.redisUrl);
  let proxy: TcpProxy;
  let graph: GraphProcess;
  let db: pg.Client;

  beforeAll(async () => {
    proxy = new TcpProxy(await TcpProxy.freePort(), { host: redis.hostname, port: Number(redis.port || 6379) });
    await proxy.up();
    graph = await launchGraph({
      ...prefixes,
      DATABASE_URL: SERVICES.databaseUrl,
      KAFKA_BROKERS: SERVICES.kafkaBrokers,
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      OFFLINE_TOKENS_PER_SECOND: '4',
    });
    const url = new URL(SERVICES.databaseUrl);
    url.pathname = `/${prefixes.DATABASE_PREFIX}_companions`;
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    if (graph) expect(await graph.stop()).toBe(0);
    await proxy?.down();
    await dropRunDatabases(SERVICES.databaseUrl, prefixes.DATABASE_PREFIX!);
  }, 60_000);

  test('mid-stream: the process lives, the reply settles, requests get SERVICE_UNAVAILABLE, all recovers by itself', async () => {
    const user = await register(graph.gatewayUrl);
    const companion = await createCompanion(graph.gatewayUrl, user.accessToken);
    const conversation = await startConversation(graph.gatewayUrl, user.accessToken, companion);
    const identity = subgraphIdentity(user.accessToken);
    const sent = await gql<{ sendMessage: { reply: { id: string } } }>(
      graph.gatewayUrl,
      SEND,
      { c: conversation, t: 'Tell me about the rings of Saturn' },
      bearer(user.accessToken),
    );
    const replyId = sent.body.data!.sendMessage.reply.id;
    const stream = collect<Stream>(graph.companionsUrl, REPLY_STREAM, { id: replyId }, identity);
    stream.finished.catch(() => undefined);
    await waitFor(async () => (stream.results.length >= 2 ? true : undefined), 'the first chunks');

    await proxy.down();

    // The subscriber is told the stream broke (it may resume with fromIndex later), not left hanging.
    await expect(stream.finished).rejects.toThrow(/SERVICE_UNAVAILABLE/);
    // Readiness drops on every service, so a load balancer stops routing here.
    for (const base of Object.values(graph.base)) {
      await waitFor(async () => ((await status(`${base}/health/ready`)) === 503 ? true : undefined), 'readiness 503');
    }
    // An authenticated request is answered at once with a code (the gateway cannot check revocations).
    const me = await gql(graph.gatewayUrl, ME, {}, bearer(user.accessToken));
    expect(me.status).toBe(503);
    expect(errorCode(me)).toBe('SERVICE_UNAVAILABLE');
    // Straight to the subgraph too: a new message is refused before anything is stored.
    const direct = await gql(graph.companionsUrl, SEND, { c: conversation, t: 'still there?' }, identity);
    expect(errorCode(direct)).toBe('SERVICE_UNAVAILABLE');

    // The reply is settled with what was streamed, and the conversation is free again.
    const seen = stream.results.map((result) => result.data!.replyStream.delta).join('');
    const reply = await waitFor(async () => {
      const { rows } = await db.query('select status, finish_reason, content from messages where id = $1', [replyId]);
      return rows[0]?.status === 'STREAMING' ? undefined : rows[0];
    }, 'the reply to settle');
    expect(reply).toMatchObject({ status: 'FAILED', finish_reason: 'interrupted' });
    expect(reply.content.startsWith(seen)).toBe(true);
    expect(graph.child.exitCode).toBeNull();

    await proxy.up();

    for (const base of Object.values(graph.base)) {
      await waitFor(async () => ((await status(`${base}/health/ready`)) === 200 ? true : undefined), 'readiness 200');
    }
    const again = await gql<{ me: { id: string } }>(graph.gatewayUrl, ME, {}, bearer(user.accessToken));
    expect(again.body.data?.me.id).toBe(user.id);
    // The same conversation takes a new message, and its reply streams to the end.
    const next = await gql<{ sendMessage: { reply: { id: string } } }>(
      graph.gatewayUrl,
      SEND,
      { c: conversation, t: 'and now?' },
      bearer(user.accessToken),
    );
    const nextId = next.body.data!.sendMessage.reply.id;
    const resumed = collect<Stream>(graph.companionsUrl, REPLY_STREAM, { id: nextId }, identity);
    await resumed.finished;
    expect(resumed.results.at(-1)!.data!.replyStream).toMatchObject({ done: true, message: { status: 'COMPLETE' } });

    // Nothing slipped through as an unhandled rejection, on any service's /metrics.
    for (const base of Object.values(graph.base)) expect(await unhandledRejections(base)).toBe(0);
  }, 120_000);
});
