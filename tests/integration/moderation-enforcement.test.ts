import { v7 as uuidv7 } from 'uuid';
import { Topic, type EventEnvelope } from '../../schema/events/contracts.js';
import { createCompanion, REPLY_STREAM, send, startConversation, type Chunk } from '../support/chat.js';
import { bearer, errorCode, gql, register, type Account, type GraphQLResponse } from '../support/http.js';
import { APPEAL, eventually, promote, REJECT, RESOLVE } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { OpenAiTestServer } from '../support/openai-server.js';
import { collect } from '../support/ws.js';

/** The local classifier rejects a link pasted three times (spam); two swear words go to a human. */
const REJECTED_TEXT = 'visit http://win.example/x http://win.example/x http://win.example/x now';
const REVIEW_TEXT = 'what the fuck is this shit';

const MESSAGE = `query($id: ID!) { message(id: $id) { id role status content finishReason } }`;
const COMPANIONS = `{ companions(first: 100) { edges { node { id } } } }`;
const COMPANION = `query($id: ID!) { companion(id: $id) { id available } }`;

interface MessageView {
  id: string;
  role: string;
  status: string;
  content: string;
  finishReason: string | null;
}

const reasonOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.reason;

describe.each(profiles())('moderation enforcement ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let mod1: Account;
  let mod2: Account;
  let author: Account;

  beforeAll(async () => {
    stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '1000' });
    url = stack.gateway.url;
    [mod1, mod2, author] = await Promise.all([promote(stack, 'MODERATOR'), promote(stack, 'MODERATOR'), register(url)]);
  }, 120_000);
  afterAll(() => stack?.destroy());

  const readMessage = async (token: string, id: string) =>
    (await gql<{ message: MessageView | null }>(url, MESSAGE, { id }, bearer(token))).body.data!.message;

  /** The reply is no longer STREAMING (the conversation is free for the next message). */
  const settled = (replyId: string, token = author.accessToken) =>
    eventually(async () => {
      const reply = await readMessage(token, replyId);
      return reply && reply.status !== 'STREAMING' ? reply : undefined;
    });

  const caseIdOf = (contentId: string, status?: string) =>
    eventually(async () => {
      const rows = await execSql<{ id: string; status: string }>(
        stack,
        'moderation',
        'select id, status from moderation_cases where content_id = ?',
        [contentId],
      );
      return rows[0] && (!status || rows[0].status === status) ? rows[0].id : undefined;
    });

  test('a message the classifier rejects is stored BLOCKED and never answered; the case still opens', async () => {
    const companion = await createCompanion(url, author.accessToken);
    const conversation = await startConversation(url, author.accessToken, companion);
    const sent = await gql<{
      sendMessage: { message: MessageView; reply: MessageView };
    }>(
      url,
      `mutation($c: ID!, $t: String!) { sendMessage(conversationId: $c, content: $t) {
        message { id role status content finishReason } reply { id role status content finishReason } } }`,
      { c: conversation, t: REJECTED_TEXT },
      bearer(author.accessToken),
    );
    expect(sent.body.errors).toBeUndefined();
    const { message, reply } = sent.body.data!.sendMessage;
    expect(message).toMatchObject({ role: 'USER', status: 'BLOCKED', content: '' });
    expect(reply).toMatchObject({ role: 'ASSISTANT', status: 'BLOCKED', content: '', finishReason: 'blocked' });

    // Nothing was generated: the stored reply has no text and no token counts; the user's text is kept.
    const rows = await execSql<{ id: string; content: string; status: string; completion_tokens: number | null }>(
      stack,
      'companions',
      'select id, content, status, completion_tokens from messages where conversation_id = ? order by id',
      [conversation],
    );
    expect(rows).toEqual([
      { id: message.id, content: REJECTED_TEXT, status: 'BLOCKED', completion_tokens: null },
      { id: reply.id, content: '', status: 'BLOCKED', completion_tokens: null },
    ]);

    // The stream of the blocked reply is one final chunk: BLOCKED, no text.
    const stream = collect<{ replyStream: Chunk }>(
      url,
      REPLY_STREAM,
      { id: reply.id },
      { authorization: `Bearer ${author.accessToken}` },
    );
    await stream.finished;
    expect(stream.results.map((result) => result.data!.replyStream)).toEqual([
      {
        messageId: reply.id,
        index: 0,
        delta: '',
        done: true,
        finishReason: 'blocked',
        message: { id: reply.id, status: 'BLOCKED', content: '', completionTokens: null },
      },
    ]);

    // The content still went to moderation, which rejected it too; a moderator reads the text.
    await caseIdOf(message.id, 'REJECTED');
    expect(await readMessage(mod1.accessToken, message.id)).toMatchObject({
      status: 'BLOCKED',
      content: REJECTED_TEXT,
    });
    // Another user cannot read it at all.
    const stranger = await register(url);
    expect(await readMessage(stranger.accessToken, message.id)).toBeNull();

    // The conversation was not held: the next message is answered.
    const next = await send(url, author.accessToken, conversation, 'Tell me about Saturn');
    expect(next.body.data!.sendMessage.reply.status).toBe('STREAMING');
    const answered = await settled(next.body.data!.sendMessage.reply.id);
    expect(answered.status).toBe('COMPLETE');
    expect(answered.content.length).toBeGreaterThan(0);
  });

  test('a REVIEW-band message is answered normally', async () => {
    const companion = await createCompanion(url, author.accessToken);
    const conversation = await startConversation(url, author.accessToken, companion);
    const sent = await send(url, author.accessToken, conversation, REVIEW_TEXT);
    const { message, reply } = sent.body.data!.sendMessage;
    expect(reply.status).toBe('STREAMING');
    const answered = await settled(reply.id);
    expect(answered.status).toBe('COMPLETE');
    expect(answered.content.length).toBeGreaterThan(0);
    expect(await readMessage(author.accessToken, message.id)).toMatchObject({
      status: 'COMPLETE',
      content: REVIEW_TEXT,
    });
    await caseIdOf(message.id, 'PENDING');
  });

  test('a moderator rejecting a message blocks it for its author; an overturned appeal restores it', async () => {
    const companion = await createCompanion(url, author.accessToken);
    const conversation = await startConversation(url, author.accessToken, companion);
    const sent = await send(url, author.accessToken, conversation, REVIEW_TEXT);
    const { message, reply } = sent.body.data!.sendMessage;
    await settled(reply.id);
    const caseId = await caseIdOf(message.id, 'PENDING');

    const rejected = await gql(
      url,
      REJECT,
      { id: caseId, input: { action: 'DELETE_CONTENT', reason: 'abusive' } },
      bearer(mod1.accessToken),
    );
    expect(rejected.body.errors).toBeUndefined();
    await eventually(async () =>
      (await readMessage(author.accessToken, message.id))?.status === 'BLOCKED' ? true : undefined,
    );
    expect(await readMessage(author.accessToken, message.id)).toMatchObject({ status: 'BLOCKED', content: '' });
    // The conversation's history withholds it as well; a moderator still reads it.
    const history = await gql<{ conversation: { messages: { edges: { node: MessageView }[] } } }>(
      url,
      'query($id: ID!) { conversation(id: $id) { messages(first: 10) { edges { node { id status content } } } } }',
      { id: conversation },
      bearer(author.accessToken),
    );
    expect(history.body.data!.conversation.messages.edges.find((edge) => edge.node.id === message.id)?.node).toEqual({
      id: message.id,
      status: 'BLOCKED',
      content: '',
    });
    expect(await readMessage(mod2.accessToken, message.id)).toMatchObject({ status: 'BLOCKED', content: REVIEW_TEXT });
    const stored = await execSql<{ content: string }>(
      stack,
      'companions',
      'select content from messages where id = ?',
      [message.id],
    );
    expect(stored).toEqual([{ content: REVIEW_TEXT }]);

    // The author appeals; another moderator overturns: the message is back as it was.
    const appeal = await gql(url, APPEAL, { id: caseId, reason: 'I was quoting' }, bearer(author.accessToken));
    expect(appeal.body.errors).toBeUndefined();
    const overturned = await gql(url, RESOLVE, { id: caseId, upheld: false }, bearer(mod2.accessToken));
    expect(overturned.body.errors).toBeUndefined();
    await eventually(async () =>
      (await readMessage(author.accessToken, message.id))?.status === 'COMPLETE' ? true : undefined,
    );
    expect(await readMessage(author.accessToken, message.id)).toMatchObject({
      status: 'COMPLETE',
      content: REVIEW_TEXT,
    });
  });

  test('a rejected companion disappears, refuses messages, and comes back on reversal', async () => {
    const owner = await register(url);
    const user = await register(url);
    // Its profile goes to review (two swear words), so a moderator decides it.
    const companion = await createCompanion(url, owner.accessToken, {
      visibility: 'PUBLIC',
      description: REVIEW_TEXT,
    });
    const conversation = await startConversation(url, user.accessToken, companion);
    const caseId = await caseIdOf(companion, 'PENDING');
    const listed = async (token: string) =>
      (
        await gql<{ companions: { edges: { node: { id: string } }[] } }>(url, COMPANIONS, {}, bearer(token))
      ).body.data!.companions.edges.some((edge) => edge.node.id === companion);
    const read = async (token: string) =>
      (await gql<{ companion: { id: string } | null }>(url, COMPANION, { id: companion }, bearer(token))).body.data!
        .companion;
    expect(await listed(user.accessToken)).toBe(true);

    const rejected = await gql(
      url,
      REJECT,
      { id: caseId, input: { action: 'DELETE_CONTENT', reason: 'abusive persona' } },
      bearer(mod1.accessToken),
    );
    expect(rejected.body.errors).toBeUndefined();
    await eventually(async () => ((await read(user.accessToken)) === null ? true : undefined));
    for (const token of [user.accessToken, owner.accessToken]) {
      expect(await listed(token)).toBe(false);
      expect(await read(token)).toBeNull();
    }
    const refused = await send(url, user.accessToken, conversation, 'Are you there?');
    expect([errorCode(refused), reasonOf(refused)]).toEqual(['BAD_USER_INPUT', 'COMPANION_BLOCKED']);
    const restart = await gql(
      url,
      'mutation($id: ID!) { startConversation(companionId: $id) { id } }',
      { id: companion },
      bearer(user.accessToken),
    );
    expect(errorCode(restart)).toBe('NOT_FOUND');

    await gql(url, APPEAL, { id: caseId, reason: 'it is a joke persona' }, bearer(owner.accessToken));
    const overturned = await gql(url, RESOLVE, { id: caseId, upheld: false }, bearer(mod2.accessToken));
    expect(overturned.body.errors).toBeUndefined();
    await eventually(async () => ((await read(user.accessToken)) ? true : undefined));
    expect(await read(user.accessToken)).toEqual({ id: companion, available: true });
    expect(await listed(user.accessToken)).toBe(true);
    const answered = await send(url, user.accessToken, conversation, 'Welcome back');
    expect(answered.body.data!.sendMessage.reply.status).toBe('STREAMING');
    expect((await settled(answered.body.data!.sendMessage.reply.id, user.accessToken)).status).toBe('COMPLETE');
  });

  test('decision events apply once, and an older decision never overrides a newer one', async () => {
    const companion = await createCompanion(url, author.accessToken);
    const conversation = await startConversation(url, author.accessToken, companion);
    const ids: string[] = [];
    for (const text of ['first', 'second', 'third']) {
      const sent = await send(url, author.accessToken, conversation, text);
      ids.push(sent.body.data!.sendMessage.message.id);
      await settled(sent.body.data!.sendMessage.reply.id);
    }
    const [first, second, marker] = ids as [string, string, string];
    // In the future, so the automatic decisions on these messages (happening now) are always older.
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const decided = (contentId: string, status: 'APPROVED' | 'REJECTED', occurredAt: string) =>
      ({
        id: uuidv7(),
        type: 'moderation.decided',
        occurredAt,
        actorId: mod1.id,
        userId: author.id,
        payload: {
          caseId: uuidv7(),
          contentType: 'MESSAGE',
          contentId,
          authorId: author.id,
          status,
          action: status === 'REJECTED' ? 'DELETE_CONTENT' : 'NONE',
          suspendUntil: null,
          reason: null,
          automatic: false,
          decidedBy: mod1.id,
          appeal: false,
        },
      }) satisfies EventEnvelope<'moderation.decided'>;
    const reversed = (contentId: string, occurredAt: string) =>
      ({
        id: uuidv7(),
        type: 'moderation.reversed',
        occurredAt,
        actorId: mod2.id,
        userId: author.id,
        payload: {
          caseId: uuidv7(),
          contentType: 'MESSAGE',
          contentId,
          authorId: author.id,
          reversedAction: 'DELETE_CONTENT',
          reversedSuspendUntil: null,
          reason: null,
          decidedBy: mod2.id,
        },
      }) satisfies EventEnvelope<'moderation.reversed'>;
    const publish = (...events: object[]) =>
      stack.runtime.bus.publish(
        Topic.moderationDecisions,
        events.map((event) => ({ key: author.id, value: JSON.stringify(event) })),
      );
    const statusOf = async (id: string) => (await readMessage(author.accessToken, id))!.status;

    // A rejection, its reversal in the same millisecond, then the rejection delivered again:
    // by its id it was applied already, so the message stays restored.
    const block = decided(first, 'REJECTED', at);
    await publish(block, reversed(first, at), block);
    // A newer approval, then an older rejection: the older one changes nothing.
    const later = new Date(Date.parse(at) + 60_000).toISOString();
    await publish(decided(second, 'APPROVED', later), decided(second, 'REJECTED', at));
    // Same key, same partition: once the marker is blocked, everything before it was handled.
    await publish(decided(marker, 'REJECTED', at));
    await eventually(async () => ((await statusOf(marker)) === 'BLOCKED' ? true : undefined));

    expect(await statusOf(first)).toBe('COMPLETE');
    expect(await statusOf(second)).toBe('COMPLETE');
    const applied = await execSql<{ n: number | string }>(
      stack,
      'companions',
      'select count(*) as n from applied_moderation_events where event_id = ?',
      [block.id],
    );
    expect(Number(applied[0]!.n)).toBe(1);
  });
});

describe.each(profiles())('moderation enforcement of replies ($name profile, OpenAI-compatible server)', (profile) => {
  const openai = new OpenAiTestServer('sk-test-key');
  let stack: TestStack;
  let url: string;
  let user: Account;
  let moderator: Account;
  let companion: string;

  beforeAll(async () => {
    await openai.start();
    stack = await startTestStack(profile, { OPENAI_API_KEY: 'sk-test-key', OPENAI_BASE_URL: openai.baseURL });
    url = stack.gateway.url;
    [user, moderator] = await Promise.all([register(url), promote(stack, 'MODERATOR')]);
    companion = await createCompanion(url, user.accessToken);
  }, 120_000);
  afterAll(async () => {
    await stack?.destroy();
    await openai.stop();
  });

  test('a rejected message never reaches the model', async () => {
    const conversation = await startConversation(url, user.accessToken, companion);
    const before = openai.requests.length;
    const sent = await send(url, user.accessToken, conversation, REJECTED_TEXT);
    expect(sent.body.data!.sendMessage.reply.status).toBe('BLOCKED');
    // A clean message afterwards is answered: exactly one request, and it does not carry the blocked text.
    const next = await send(url, user.accessToken, conversation, 'Tell me about Saturn');
    const stream = collect<{ replyStream: Chunk }>(
      url,
      REPLY_STREAM,
      { id: next.body.data!.sendMessage.reply.id },
      { authorization: `Bearer ${user.accessToken}` },
    );
    await stream.finished;
    expect(openai.requests.length).toBe(before + 1);
    expect(JSON.stringify(openai.requests.at(-1)!.body)).not.toContain('win.example');
  });

  test('a companion reply the classifier rejects ends BLOCKED, its text withheld from the user', async () => {
    const conversation = await startConversation(url, user.accessToken, companion);
    openai.script({
      kind: 'reply',
      tokens: ['visit', ' http://win.example/x', ' http://win.example/x', ' http://win.example/x', ' now'],
    });
    const { reply } = (await send(url, user.accessToken, conversation, 'Any tips?')).body.data!.sendMessage;
    const stream = collect<{ replyStream: Chunk }>(
      url,
      REPLY_STREAM,
      { id: reply.id },
      { authorization: `Bearer ${user.accessToken}` },
    );
    await stream.finished;
    const final = stream.results.at(-1)!.data!.replyStream;
    expect(final).toMatchObject({ done: true, finishReason: 'blocked', message: { status: 'BLOCKED', content: '' } });
    // A late subscriber gets the same final chunk.
    const late = collect<{ replyStream: Chunk }>(
      url,
      REPLY_STREAM,
      { id: reply.id },
      { authorization: `Bearer ${user.accessToken}` },
    );
    await late.finished;
    expect(late.results.map((result) => result.data!.replyStream)).toEqual([
      expect.objectContaining({
        done: true,
        delta: '',
        finishReason: 'blocked',
        message: expect.objectContaining({ status: 'BLOCKED', content: '' }),
      }),
    ]);
    const rows = await execSql<{ content: string; status: string; status_before_block: string }>(
      stack,
      'companions',
      'select content, status, status_before_block from messages where id = ?',
      [reply.id],
    );
    expect(rows).toEqual([{ content: REJECTED_TEXT, status: 'BLOCKED', status_before_block: 'COMPLETE' }]);
    const staffView = await gql<{ message: MessageView }>(
      url,
      MESSAGE,
      { id: reply.id },
      bearer(moderator.accessToken),
    );
    expect(staffView.body.data!.message).toMatchObject({
      role: 'ASSISTANT',
      status: 'BLOCKED',
      content: REJECTED_TEXT,
    });
  });
});
