import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, register, type Account } from '../support/http.js';
import { createCompanion, REPLY_STREAM, send, startConversation, type Chunk } from '../support/chat.js';
import { collect, subgraphParams } from '../support/ws.js';
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
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-recovery-'));
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
