import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, errorCode, gql, register } from '../support/http.js';
import { createCompanion, REPLY_STREAM, send, startConversation, type Chunk } from '../support/chat.js';
import { collect, subgraphParams } from '../support/ws.js';
import { execSql } from '../support/sql.js';
import { OpenAiTestServer } from '../support/openai-server.js';

type Stream = { replyStream: Chunk };

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const storedReply = (stack: TestStack, id: string) =>
  execSql<{ status: string; content: string; completion_tokens: number | null; finish_reason: string | null }>(
    stack,
    'companions',
    'select status, content, completion_tokens, finish_reason from messages where id = ?',
    [id],
  ).then((rows) => rows[0]!);

describe.each(profiles())('chat streaming ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let user: Awaited<ReturnType<typeof register>>;
  let companion: string;

  beforeAll(async () => {
    stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '60', MESSAGE_MAX_CHARS: '200' });
    url = stack.gateway.url;
    user = await register(url);
    companion = await createCompanion(url, user.accessToken, { name: 'Orion', personality: ['playful'] });
  });
  afterAll(() => stack?.destroy());

  const subscribe = (messageId: string, fromIndex?: number, token = user.accessToken) =>
    collect<Stream>(
      stack.subgraphs.companions!.url,
      REPLY_STREAM,
      { id: messageId, from: fromIndex },
      subgraphParams(stack, token),
    );

  test('sendMessage returns at once; the reply streams in order and ends with the stored message', async () => {
    const conversation = await startConversation(url, user.accessToken, companion);
    const sent = await send(url, user.accessToken, conversation, 'What do you think of comets?');
    const { message, reply } = sent.body.data!.sendMessage;
    expect(reply.status).toBe('STREAMING');
    expect(message.id).not.toBe(reply.id);

    const stream = subscribe(reply.id);
    await stream.finished;
    const chunks = stream.results.map((result) => result.data!.replyStream);
    expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
    const final = chunks.at(-1)!;
    expect(final).toMatchObject({ done: true, delta: '', finishReason: 'stop' });
    expect(chunks.slice(0, -1).every((chunk) => !chunk.done && chunk.message!.status === 'STREAMING')).toBe(true);
    const text = chunks.map((chunk) => chunk.delta).join('');
    expect(final.message).toEqual({
      id: reply.id,
      status: 'COMPLETE',
      content: text,
      completionTokens: chunks.length - 1,
    });
    expect(text).toMatch(/comet/i); // the offline provider answers what was said
  });

  test('one reply at a time; a resumed subscription replays from its index without gaps or repeats', async () => {
    const conversation = await startConversation(url, user.accessToken, companion);
    const { reply } = (await send(url, user.accessToken, conversation)).body.data!.sendMessage;
    const second = await send(url, user.accessToken, conversation, 'and another thing');
    expect(second.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'REPLY_IN_PROGRESS' });

    // The first client drops after a few chunks; the second resumes from where it stopped.
    let dropped = 0;
    const first = collect<Stream>(
      stack.subgraphs.companions!.url,
      REPLY_STREAM,
      { id: reply.id },
      subgraphParams(stack, user.accessToken),
      (_, all) => {
        if (all.length === 4) first.leave();
      },
    );
    await waitFor(async () => (first.results.length >= 4 ? true : undefined));
    dropped = first.results.length;
    const resumed = subscribe(reply.id, dropped);
    await resumed.finished;
    const indexes = resumed.results.map((result) => result.data!.replyStream.index);
    expect(indexes[0]).toBe(dropped);
    expect(indexes).toEqual(indexes.map((_, i) => dropped + i));
    const full = [...first.results.slice(0, dropped), ...resumed.results]
      .map((result) => result.data!.replyStream.delta)
      .join('');
    expect(resumed.results.at(-1)!.data!.replyStream.message!.content).toBe(full);

    // Now finished: subscribing again yields just the final chunk; a new message is accepted.
    const late = subscribe(reply.id, 0);
    await late.finished;
    expect(late.results).toHaveLength(1);
    expect(late.results[0]!.data!.replyStream).toMatchObject({
      done: true,
      message: { status: 'COMPLETE', content: full },
    });
    expect((await send(url, user.accessToken, conversation, 'thanks')).body.data!.sendMessage.reply.status).toBe(
      'STREAMING',
    );
  });

  test('a client that disconnects mid-stream does not stop the reply', async () => {
    const conversation = await startConversation(url, user.accessToken, companion);
    const { reply } = (await send(url, user.accessToken, conversation)).body.data!.sendMessage;
    const stream = subscribe(reply.id);
    await waitFor(async () => (stream.results.length >= 2 ? true : undefined));
    stream.leave();
    const stored = await waitFor(async () => {
      const row = await storedReply(stack, reply.id);
      return row.status === 'COMPLETE' ? row : undefined;
    });
    expect(stored.content.length).toBeGreaterThan(20);
  });

  test('cancelReply keeps the text so far as CANCELLED and ends the stream', async () => {
    const conversation = await startConversation(url, user.accessToken, companion);
    const { reply } = (await send(url, user.accessToken, conversation)).body.data!.sendMessage;
    const stream = subscribe(reply.id);
    await waitFor(async () => (stream.results.length >= 3 ? true : undefined));
    const cancelled = await gql<{ cancelReply: { status: string; content: string } }>(
      url,
      'mutation($id: ID!) { cancelReply(messageId: $id) { status content finishReason } }',
      { id: reply.id },
      bearer(user.accessToken),
    );
    expect(cancelled.body.data!.cancelReply).toMatchObject({ status: 'CANCELLED', finishReason: 'cancelled' });
    await stream.finished;
    const final = stream.results.at(-1)!.data!.replyStream;
    expect(final).toMatchObject({ done: true, finishReason: 'cancelled' });
    const streamed = stream.results.map((result) => result.data!.replyStream.delta).join('');
    // Stored text = what was streamed before the cancel; a reply that ran to its end would say COMPLETE/stop.
    expect(cancelled.body.data!.cancelReply.content).toBe(streamed);
  });

  test('bad input: empty, too long, unknown or foreign message, bad fromIndex, no gateway secret', async () => {
    const conversation = await startConversation(url, user.accessToken, companion);
    const empty = await send(url, user.accessToken, conversation, '   ');
    expect(empty.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EMPTY_MESSAGE' });
    const long = await send(url, user.accessToken, conversation, 'x'.repeat(201));
    expect(long.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MESSAGE_TOO_LONG' });
    const rows = await execSql<{ n: string }>(
      stack,
      'companions',
      'select count(*) as n from messages where conversation_id = ?',
      [conversation],
    );
    expect(Number(rows[0]!.n)).toBe(0);

    const { reply } = (await send(url, user.accessToken, conversation)).body.data!.sendMessage;
    const stranger = await register(url);
    for (const [id, from, token, code] of [
      ['01900000-0000-7000-8000-000000000000', 0, user.accessToken, 'NOT_FOUND'],
      ['nope', 0, user.accessToken, 'NOT_FOUND'],
      [reply.id, 0, stranger.accessToken, 'NOT_FOUND'],
      [reply.id, -1, user.accessToken, 'BAD_USER_INPUT'],
      [reply.id, 10_000_000, user.accessToken, 'BAD_USER_INPUT'],
    ] as const) {
      const stream = subscribe(id, from, token);
      await stream.finished;
      expect(stream.results).toHaveLength(1);
      expect(stream.results[0]!.errors![0]!.extensions!.code).toBe(code);
    }
    const noSecret = collect(stack.subgraphs.companions!.url, REPLY_STREAM, { id: reply.id }, { 'x-user-id': user.id });
    await expect(noSecret.finished).rejects.toThrow();
    expect(
      errorCode(
        await gql(
          url,
          'mutation($id: ID!) { cancelReply(messageId: $id) { id } }',
          { id: reply.id },
          bearer(stranger.accessToken),
        ),
      ),
    ).toBe('NOT_FOUND');
  });

  test('a suspended user can no longer chat', async () => {
    const target = await register(url);
    const conversation = await startConversation(
      url,
      target.accessToken,
      companion.length ? await createCompanion(url, target.accessToken) : companion,
    );
    const admin = await register(url);
    await execSql(stack, 'users', "update users set role = 'ADMIN' where id = ?", [admin.id]);
    const adminLogin = await gql<{ login: { accessToken: string } }>(
      url,
      'mutation($e: String!) { login(input: { email: $e, password: "correct-horse-42" }) { accessToken } }',
      { e: admin.email },
    );
    await gql(
      url,
      'mutation($id: ID!) { setUserStatus(userId: $id, status: SUSPENDED) { id } }',
      { id: target.id },
      bearer(adminLogin.body.data!.login.accessToken),
    );
    // Through the gateway the token is refused at once; the subgraph itself also learns it from user-lifecycle.
    expect(errorCode(await send(url, target.accessToken, conversation))).toBe('UNAUTHENTICATED');
    const direct = await waitFor(async () => {
      const response = await gql(
        stack.subgraphs.companions!.url,
        'mutation($c: ID!) { sendMessage(conversationId: $c, content: "hi") { reply { id } } }',
        { c: conversation },
        subgraphParams(stack, target.accessToken),
      );
      return errorCode(response) === 'FORBIDDEN' ? response : undefined;
    }, 30_000);
    expect(direct.body.errors![0]!.extensions).toMatchObject({ reason: 'ACCOUNT_SUSPENDED' });
  });
});

describe('chat through the OpenAI provider (local OpenAI-compatible server)', () => {
  const openai = new OpenAiTestServer('sk-test-key');
  let stack: TestStack;
  let user: Awaited<ReturnType<typeof register>>;
  let companion: string;

  beforeAll(async () => {
    await openai.start();
    stack = await startTestStack(profiles()[0]!, {
      OPENAI_API_KEY: 'sk-test-key',
      OPENAI_BASE_URL: openai.baseURL,
      LLM_FIRST_TOKEN_TIMEOUT_MS: '500',
      LLM_IDLE_TIMEOUT_MS: '500',
      LLM_MAX_RETRIES: '1',
    });
    user = await register(stack.gateway.url);
    companion = await createCompanion(stack.gateway.url, user.accessToken, {
      name: 'Vega',
      description: 'A patient teacher.',
    });
  });
  afterAll(async () => {
    await stack?.destroy();
    await openai.stop();
  });

  const run = async (text = 'hello') => {
    const conversation = await startConversation(stack.gateway.url, user.accessToken, companion);
    const { reply } = (await send(stack.gateway.url, user.accessToken, conversation, text)).body.data!.sendMessage;
    const stream = collect<Stream>(
      stack.subgraphs.companions!.url,
      REPLY_STREAM,
      { id: reply.id },
      subgraphParams(stack, user.accessToken),
    );
    return { reply, stream };
  };

  test('the persona is the system prompt; deltas and usage are stored', async () => {
    openai.script({ kind: 'reply', tokens: ['Hel', 'lo', ' there'], delayMs: 100 });
    const { stream } = await run('hi Vega');
    await stream.finished;
    const final = stream.results.at(-1)!.data!.replyStream;
    expect(stream.results.map((result) => result.data!.replyStream.delta)).toEqual(['Hel', 'lo', ' there', '']);
    expect(final.message).toMatchObject({ status: 'COMPLETE', content: 'Hello there' });
    const request = openai.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(request.messages[0]).toMatchObject({ role: 'system' });
    expect(request.messages[0]!.content).toContain('Vega');
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: 'hi Vega' });
  });

  test('a provider that hangs ends the reply as FAILED (timeout)', async () => {
    openai.script({ kind: 'hang' });
    const { reply, stream } = await run();
    await stream.finished;
    expect(stream.results.at(-1)!.data!.replyStream).toMatchObject({
      done: true,
      finishReason: 'timeout',
      message: { status: 'FAILED' },
    });
    expect((await storedReply(stack, reply.id)).status).toBe('FAILED');
  });

  test('a stream cut mid-way is FAILED and keeps nothing half-stored as COMPLETE', async () => {
    openai.script({ kind: 'cut', after: 2 });
    const { reply, stream } = await run();
    await stream.finished;
    expect(stream.results.at(-1)!.data!.replyStream).toMatchObject({ done: true, finishReason: 'interrupted' });
    expect((await storedReply(stack, reply.id)).status).toBe('FAILED');
  });

  test('cancelReply closes the upstream request', async () => {
    openai.script({ kind: 'reply', tokens: Array.from({ length: 200 }, (_, i) => `t${i} `), delayMs: 20 });
    const closedBefore = openai.closedByClient;
    const { reply, stream } = await run();
    await waitFor(async () => (stream.results.length >= 3 ? true : undefined));
    const cancelled = await gql<{ cancelReply: { status: string } }>(
      stack.gateway.url,
      'mutation($id: ID!) { cancelReply(messageId: $id) { status } }',
      { id: reply.id },
      bearer(user.accessToken),
    );
    expect(cancelled.body.data!.cancelReply.status).toBe('CANCELLED');
    await openai.waitForClosedByClient(closedBefore + 1, 5_000);
    expect(openai.closedByClient).toBe(closedBefore + 1);
  });
});
