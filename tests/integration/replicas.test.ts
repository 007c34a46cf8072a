import { spawn, type ChildProcess } from 'node:child_process';
import { servicesAvailable, servicesProfile } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { gql, register } from '../support/http.js';
import { createCompanion, REPLY_STREAM, SEND, startConversation, type Chunk } from '../support/chat.js';
import { collect, subgraphParams } from '../support/ws.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** A second companions replica as its own OS process, sharing the stack's PostgreSQL, Redis and Kafka. */
async function startReplica(stack: TestStack): Promise<{ url: string; process: ChildProcess }> {
  const port = await TcpProxy.freePort();
  const { config } = stack;
  const child = spawn(process.execPath, ['dist/subgraphs/companions/main.js'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      COMPANIONS_PORT: String(port),
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_PREFIX: config.DATABASE_PREFIX,
      REDIS_URL: config.REDIS_URL,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
      KAFKA_BROKERS: config.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: config.KAFKA_TOPIC_PREFIX,
      OFFLINE_TOKENS_PER_SECOND: config.OFFLINE_TOKENS_PER_SECOND.toString(),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let i = 0; i < 200; i++) {
    const ready = await fetch(url.replace('/graphql', '/health/ready')).catch(() => undefined);
    if (ready?.ok) return { url, process: child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('replica did not become ready');
}

(servicesAvailable() ? describe : describe.skip)('two companions replicas (services profile)', () => {
  let stack: TestStack;
  let replica: { url: string; process: ChildProcess };

  beforeAll(async () => {
    stack = await startTestStack(servicesProfile, { OFFLINE_TOKENS_PER_SECOND: '40' });
    replica = await startReplica(stack);
  });
  afterAll(async () => {
    replica?.process.kill('SIGTERM');
    await stack?.destroy();
  });

  test('a reply generated on one replica streams to a client attached to the other, and cancels from there', async () => {
    const user = await register(stack.gateway.url);
    const companion = await createCompanion(stack.gateway.url, user.accessToken);
    const params = subgraphParams(stack, user.accessToken);

    // Generated on the replica process…
    const conversation = await startConversation(stack.gateway.url, user.accessToken, companion);
    const sent = await gql<{ sendMessage: { reply: { id: string } } }>(
      replica.url,
      SEND,
      { c: conversation, t: 'hello' },
      params,
    );
    const replyId = sent.body.data!.sendMessage.reply.id;
    // …followed through the stack's own companions subgraph.
    const stream = collect<{ replyStream: Chunk }>(
      stack.subgraphs.companions!.url,
      REPLY_STREAM,
      { id: replyId },
      params,
    );
    await stream.finished;
    const chunks = stream.results.map((result) => result.data!.replyStream);
    expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.at(-1)!.message).toMatchObject({
      status: 'COMPLETE',
      content: chunks.map((chunk) => chunk.delta).join(''),
    });

    // Cancel a reply being generated on the replica, asking the other one.
    const second = await gql<{ sendMessage: { reply: { id: string } } }>(
      replica.url,
      SEND,
      { c: conversation, t: 'tell me more' },
      params,
    );
    const secondId = second.body.data!.sendMessage.reply.id;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cancelled = await gql<{ cancelReply: { status: string; content: string } }>(
      stack.subgraphs.companions!.url,
      'mutation($id: ID!) { cancelReply(messageId: $id) { status content } }',
      { id: secondId },
      params,
    );
    expect(cancelled.body.data!.cancelReply.status).toBe('CANCELLED');
    expect(cancelled.body.data!.cancelReply.content.length).toBeGreaterThan(0);
  });
});
