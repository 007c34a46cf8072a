import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { profiles, servicesAvailable, servicesProfile } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, register, type Account } from '../support/http.js';
import { createCompanion, REPLY_STREAM, send, startConversation, type Chunk } from '../support/chat.js';
import { collect, subgraphParams } from '../support/ws.js';
import { embeddedDataDir } from '../support/data-dir.js';
import {
  dropRunDatabases,
  launchGraph,
  runPrefixes,
  subgraphIdentity,
  waitFor,
  type GraphProcess,
} from '../support/graph-process.js';

type Stream = { replyStream: Chunk };
const MESSAGES = `query($id: ID!) { conversation(id: $id) { messages(first: 20) { edges { node { id status content } } } } }`;
/** Short enough for a test, long enough that a live reply's progress writes never look stale. */
const STALE_AFTER_MS = '4000';

async function storedReply(url: string, token: string, conversation: string, replyId: string) {
  const response = await gql<{
    conversation: { messages: { edges: { node: { id: string; status: string; content: string } }[] } };
  }>(url, MESSAGES, { id: conversation }, bearer(token));
  return response.body.data!.conversation.messages.edges.map((edge) => edge.node).find((node) => node.id === replyId)!;
}

/**
 * A process killed mid-reply (SIGKILL: no graceful stop), then a new one started on the same
 * data: the reply it left STREAMING is settled FAILED with its text so far, its subscribers
 * get a final chunk, and the conversation takes new messages again.
 */
describe.each(profiles())('a reply left streaming by a crashed process ($name profile)', (profile) => {
  const prefixes = runPrefixes();
  const dataDir = embeddedDataDir('nexus-recovery');
  let crashed: GraphProcess | undefined;
  let stack: TestStack | undefined;

  afterAll(async () => {
    crashed?.child.kill('SIGKILL');
    await stack?.destroy(); // drops the run's databases on the services profile
    if (!stack && profile.env.DATABASE_URL) await dropRunDatabases(profile.env.DATABASE_URL, prefixes.DATABASE_PREFIX!);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  test('is settled FAILED with its partial text on restart; the conversation is usable again', async () => {
    const env = { ...profile.env, ...prefixes, DATA_DIR: dataDir, REPLY_STALE_AFTER_MS: STALE_AFTER_MS };
    crashed = await launchGraph({ ...env, OFFLINE_TOKENS_PER_SECOND: '3' });
    const user: Account = await register(crashed.gatewayUrl);
    const companion = await createCompanion(crashed.gatewayUrl, user.accessToken);
    const conversation = await startConversation(crashed.gatewayUrl, user.accessToken, companion);
    const sent = await send(crashed.gatewayUrl, user.accessToken, conversation, 'Tell me about Jupiter');
    const replyId = sent.body.data!.sendMessage.reply.id;
    const live = collect<Stream>(
      crashed.companionsUrl,
      REPLY_STREAM,
      { id: replyId },
      subgraphIdentity(user.accessToken),
    );
    live.finished.catch(() => undefined);
    // Progress is written as it streams: the stored text grows while the reply is still STREAMING.
    const persisted = await waitFor(async () => {
      const reply = await storedReply(crashed!.gatewayUrl, user.accessToken, conversation, replyId);
      return reply.status === 'STREAMING' && reply.content.split(' ').length >= 3 ? reply.content : undefined;
    }, 'progress to be stored');

    crashed.child.kill('SIGKILL');
    await crashed.exited;
    const seen = live.results.map((result) => result.data!.replyStream.delta).join('');

    // A fresh topic prefix: rejoining the dead process's consumer groups would wait out its session timeout.
    stack = await startTestStack(profile, {
      ...prefixes,
      KAFKA_TOPIC_PREFIX: `${prefixes.KAFKA_TOPIC_PREFIX}restart.`,
      DATA_DIR: dataDir,
      REPLY_STALE_AFTER_MS: STALE_AFTER_MS,
    });
    const url = stack.gateway.url;
    // A client following the orphaned reply on the new process gets a final chunk.
    const follower = collect<Stream>(
      stack.subgraphs.companions!.url,
      REPLY_STREAM,
      { id: replyId },
      subgraphParams(stack, user.accessToken),
    );
    await follower.finished;
    const final = follower.results.at(-1)!.data!.replyStream;
    expect(final).toMatchObject({ done: true, finishReason: 'interrupted', message: { status: 'FAILED' } });
    const kept = final.message!.content;
    // At least what was stored before the crash; never more than was generated.
    expect(kept.startsWith(persisted)).toBe(true);
    expect(seen.startsWith(kept) || kept.startsWith(seen)).toBe(true);
    expect(await storedReply(url, user.accessToken, conversation, replyId)).toMatchObject({
      status: 'FAILED',
      content: kept,
    });

    // The conversation is no longer locked: a new message gets a complete reply.
    const next = await send(url, user.accessToken, conversation, 'Go on');
    expect(next.body.errors).toBeUndefined();
    const nextStream = collect<Stream>(
      stack.subgraphs.companions!.url,
      REPLY_STREAM,
      { id: next.body.data!.sendMessage.reply.id },
      subgraphParams(stack, user.accessToken),
    );
    await nextStream.finished;
    expect(nextStream.results.at(-1)!.data!.replyStream.message).toMatchObject({ status: 'COMPLETE' });
  }, 180_000);
});

/**
 * Replicas sweep the same table: every orphaned reply is settled exactly once (one outcome,
 * one message.received event), whichever replica gets there first.
 */
(servicesAvailable() ? describe : describe.skip)('replicas sweeping the same replies (services profile)', () => {
  const prefixes = runPrefixes();
  let first: TestStack | undefined;
  let second: TestStack | undefined;

  afterAll(async () => {
    await second?.stop();
    await first?.destroy();
  }, 60_000);

  test('each stale reply is settled once', async () => {
    const env = { ...prefixes, REPLY_STALE_AFTER_MS: '1000' };
    first = await startTestStack(servicesProfile, env);
    const user = await register(first.gateway.url);
    const companion = await createCompanion(first.gateway.url, user.accessToken);
    // Twenty conversations each locked by a reply whose replica died an hour ago, mid-sentence.
    const replies: string[] = [];
    for (let i = 0; i < 20; i++) {
      const conversation = await startConversation(first.gateway.url, user.accessToken, companion);
      const id = randomUUID();
      replies.push(id);
      await execSql(
        first,
        'companions',
        `insert into messages (id, conversation_id, role, content, status, created_at, progress_at)
         values (?, ?, 'ASSISTANT', 'The rings are made of', 'STREAMING', now() - interval '1 hour', now() - interval '1 hour')`,
        [id, conversation],
      );
      await execSql(first, 'companions', 'update conversations set active_reply_id = ? where id = ?', [
        id,
        conversation,
      ]);
    }
    second = await startTestStack(servicesProfile, env); // sweeps at start-up while the first sweeps periodically

    const settled = await waitFor(async () => {
      const rows = await execSql<{ status: string; finish_reason: string; content: string }>(
        first!,
        'companions',
        `select status, finish_reason, content from messages where id in (${replies.map(() => '?').join(',')})`,
        replies,
      );
      return rows.every((row) => row.status !== 'STREAMING') ? rows : undefined;
    }, 'every reply to be settled');
    expect(settled).toHaveLength(20);
    for (const row of settled) {
      expect(row).toMatchObject({ status: 'FAILED', finish_reason: 'interrupted', content: 'The rings are made of' });
    }
    const events = await execSql<{ message_id: string; n: string }>(
      first,
      'companions',
      `select event->'payload'->>'messageId' as message_id, count(distinct event_id) as n from outbox
       where event->>'type' = 'message.received' group by 1`,
    );
    expect(events.filter((row) => replies.includes(row.message_id)).map((row) => Number(row.n))).toEqual(
      replies.map(() => 1),
    );
    const locked = await execSql<{ n: string }>(
      first,
      'companions',
      'select count(*) as n from conversations where active_reply_id is not null',
    );
    expect(Number(locked[0]!.n)).toBe(0);
  }, 180_000);
});
