import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { register } from '../support/http.js';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { collect } from '../support/ws.js';

const STREAM_WITH_USER = `subscription($id: ID!, $from: Int) {
  replyStream(messageId: $id, fromIndex: $from) {
    index delta done finishReason
    message { status content conversation { id user { id displayName } companion { name } } }
  }
}`;

interface Chunk {
  index: number;
  delta: string;
  done: boolean;
  message: {
    status: string;
    content: string;
    conversation: { id: string; user: { id: string; displayName: string }; companion: { name: string } };
  };
}

describe.each(profiles())('chat through the gateway ($name profile)', (profile) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '80' });
  });
  afterAll(() => stack?.destroy());

  test('a reply streams token by token with a users-subgraph field on every chunk', async () => {
    const user = await register(stack.gateway.url, { displayName: 'Ada Lovelace' });
    const companion = await createCompanion(stack.gateway.url, user.accessToken, { name: 'Babbage' });
    const conversation = await startConversation(stack.gateway.url, user.accessToken, companion);
    const { reply } = (await send(stack.gateway.url, user.accessToken, conversation, 'What is an engine?')).body.data!
      .sendMessage;

    const stream = collect<{ replyStream: Chunk }>(
      stack.gateway.url,
      STREAM_WITH_USER,
      { id: reply.id },
      { authorization: `Bearer ${user.accessToken}` },
    );
    await stream.finished;
    expect(stream.results.every((result) => result.errors === undefined)).toBe(true);
    const chunks = stream.results.map((result) => result.data!.replyStream);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
    for (const chunk of chunks) {
      expect(chunk.message.conversation).toEqual({
        id: conversation,
        user: { id: user.id, displayName: 'Ada Lovelace' },
        companion: { name: 'Babbage' },
      });
    }
    expect(chunks.at(-1)).toMatchObject({
      done: true,
      finishReason: 'stop',
      message: { status: 'COMPLETE', content: chunks.map((c) => c.delta).join('') },
    });
  });

  test('subscriptions need a valid token and reach only your own replies', async () => {
    const owner = await register(stack.gateway.url);
    const other = await register(stack.gateway.url);
    const companion = await createCompanion(stack.gateway.url, owner.accessToken);
    const conversation = await startConversation(stack.gateway.url, owner.accessToken, companion);
    const { reply } = (await send(stack.gateway.url, owner.accessToken, conversation)).body.data!.sendMessage;

    const anonymous = collect(stack.gateway.url, STREAM_WITH_USER, { id: reply.id }, {});
    await anonymous.finished;
    expect(anonymous.results[0]!.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');

    const badToken = collect(
      stack.gateway.url,
      STREAM_WITH_USER,
      { id: reply.id },
      { authorization: 'Bearer forged.token.here' },
    );
    await expect(badToken.finished).rejects.toThrow(/4403|Forbidden/);

    const foreign = collect(
      stack.gateway.url,
      STREAM_WITH_USER,
      { id: reply.id },
      { authorization: `Bearer ${other.accessToken}` },
    );
    await foreign.finished;
    expect(foreign.results[0]!.errors![0]!.extensions!.code).toBe('NOT_FOUND');
  });
});
