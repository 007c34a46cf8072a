import { Session } from '../../clients/chat/session.js';
import { followReply } from '../../clients/chat/stream.js';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { GOOD_PASSWORD, register, uniqueEmail } from '../support/http.js';
import { createCompanion, send, startConversation } from '../support/chat.js';

describe.each(profiles())('the chat client outlives its access token ($name profile)', (profile) => {
  let stack: TestStack;
  beforeAll(async () => {
    // Tokens live 6 s, the reply takes longer: the gateway closes the socket with 4401 mid-reply.
    stack = await startTestStack(profile, {
      ACCESS_TOKEN_TTL_SECONDS: '6',
      OFFLINE_TOKENS_PER_SECOND: '4',
      LLM_MAX_COMPLETION_TOKENS: '40',
    });
  }, 120_000);
  afterAll(() => stack?.destroy());

  test('a socket closed with 4401 reconnects with a refreshed token and the reply arrives whole', async () => {
    const url = stack.gateway.url;
    const email = uniqueEmail();
    await register(url, { email });
    const session = await Session.login(url, email, GOOD_PASSWORD);
    const token = (await session.client()).token!;
    const companion = await createCompanion(url, token);
    const conversation = await startConversation(url, token, companion);
    const { reply } = (await send(url, token, conversation)).body.data!.sendMessage;

    const deltas: string[] = [];
    const notices: string[] = [];
    const outcome = await followReply({
      session,
      messageId: reply.id,
      onDelta: (delta) => deltas.push(delta),
      cancel: new AbortController().signal,
      stop: new AbortController().signal,
      onNotice: (text) => notices.push(text),
    });
    expect(outcome.renewed).toBeGreaterThanOrEqual(1);
    expect(notices.some((notice) => notice.startsWith('token renewed'))).toBe(true);
    expect(outcome.status).toBe('COMPLETE');
    expect(outcome.text).toBe(deltas.join(''));
    expect(outcome.text.split(/\s+/).filter(Boolean).length).toBeGreaterThan(20);
  });
});
