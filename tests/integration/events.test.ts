import { parseEvent, Topic, type EventEnvelope } from '../../schema/events/contracts.js';
import { profiles, servicesAvailable, servicesProfile } from '../support/profiles.js';
import { SERVICES } from '../support/services.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, register } from '../support/http.js';
import { execSql } from '../support/sql.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createCompanion, send, startConversation } from '../support/chat.js';

/** Collects what a consumer group receives from the stack's own bus (Kafka or in-process). */
async function collect(stack: TestStack, topics: string[]) {
  const received: EventEnvelope[] = [];
  const consumer = await stack.runtime.bus.consume({
    groupId: `test-${Math.random().toString(36).slice(2)}`,
    topics,
    onRecord: async (record) => {
      const event = parseEvent(record.value);
      expect(record.key).toBe(event.userId); // topics are keyed by user id
      received.push(event);
    },
  });
  return { received, close: () => consumer.close() };
}

async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(profiles())('users events through the outbox ($name profile)', (profile) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack(profile);
  });
  afterAll(() => stack?.destroy());

  test('register, login and logout publish typed events keyed by user id', async () => {
    const lifecycle = await collect(stack, [Topic.userLifecycle]);
    const analytics = await collect(stack, [Topic.analytics]);
    try {
      const account = await register(stack.gateway.url);
      await gql(stack.gateway.url, 'mutation { logout }', {}, bearer(account.accessToken));
      const registered = await eventually(() =>
        lifecycle.received.find((event) => event.type === 'user.registered' && event.userId === account.id),
      );
      // Test accounts grant ANALYTICS at registration (tests/support/http.ts), and the event says so.
      expect(registered.payload).toEqual({ role: 'USER', plan: 'FREE', status: 'ACTIVE', analyticsConsent: true });
      expect(registered.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // UUID v7
      const types = await eventually(() => {
        const mine = analytics.received.filter((event) => event.userId === account.id).map((event) => event.type);
        return mine.length >= 3 ? mine : undefined;
      });
      expect(types).toEqual(['user.registered', 'user.login', 'user.logout']);
    } finally {
      await Promise.all([lifecycle.close(), analytics.close()]);
    }
  });
});

describe.each(profiles())('companions events through the outbox ($name profile)', (profile) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '500' });
  });
  afterAll(() => stack?.destroy());

  test('a chat publishes analytics and content events, with token counts on the reply', async () => {
    const analytics = await collect(stack, [Topic.analytics]);
    const content = await collect(stack, [Topic.content]);
    try {
      const account = await register(stack.gateway.url);
      const companion = await createCompanion(stack.gateway.url, account.accessToken, { name: 'Nova' });
      const conversation = await startConversation(stack.gateway.url, account.accessToken, companion);
      const { reply } = (await send(stack.gateway.url, account.accessToken, conversation, 'hi there')).body.data!
        .sendMessage;
      const received = await eventually(() =>
        analytics.received.find((event) => event.type === 'message.received' && event.userId === account.id),
      );
      expect(received.payload).toMatchObject({
        messageId: reply.id,
        conversationId: conversation,
        status: 'COMPLETE',
        finishReason: 'stop',
      });
      expect((received.payload as { completionTokens: number }).completionTokens).toBeGreaterThan(0);
      const types = analytics.received.filter((event) => event.userId === account.id).map((event) => event.type);
      expect(types).toEqual(
        expect.arrayContaining(['companion.created', 'conversation.started', 'message.sent', 'message.received']),
      );
      const kinds = await eventually(() => {
        const mine = content.received
          .filter((event) => event.userId === account.id)
          .map((event) => (event.payload as { kind: string }).kind)
          .filter((kind) => kind !== 'USER_PROFILE'); // the display name from register (docs/sanctions.md)
        return mine.length >= 3 ? mine : undefined;
      });
      expect(kinds.sort()).toEqual(['COMPANION_PROFILE', 'COMPANION_REPLY', 'USER_MESSAGE']);
    } finally {
      await Promise.all([analytics.close(), content.close()]);
    }
  });
});

(servicesAvailable() ? describe : describe.skip)('outbox while Kafka is down (services profile)', () => {
  test('writes succeed during the outage and their events are published once the broker is back', async () => {
    const [host, port] = SERVICES.kafkaBrokers.split(',')[0]!.split(':');
    const proxy = new TcpProxy(await TcpProxy.freePort(), { host: host!, port: Number(port) });
    // The stack reaches Kafka only through the proxy, which starts down.
    const stack = await startTestStack(servicesProfile, { KAFKA_BROKERS: `127.0.0.1:${proxy.port}` });
    try {
      const account = await register(stack.gateway.url);
      const pendingDuringOutage = await execSql<{ n: string }>(
        stack,
        'users',
        'select count(*) as n from outbox where published_at is null',
      );
      expect(Number(pendingDuringOutage[0]!.n)).toBeGreaterThanOrEqual(3); // registered (2 topics) + login
      await proxy.up();
      const lifecycle = await collect(stack, [Topic.userLifecycle]);
      try {
        const registered = await eventually(
          () => lifecycle.received.find((event) => event.type === 'user.registered' && event.userId === account.id),
          60_000,
        );
        expect(registered.userId).toBe(account.id);
        // The relay marks rows published in the transaction that sent them, which may commit just after delivery.
        const pending = async () =>
          Number(
            (
              await execSql<{ n: string }>(
                stack,
                'users',
                'select count(*) as n from outbox where published_at is null',
              )
            )[0]!.n,
          );
        expect(await eventually(async () => ((await pending()) === 0 ? 0 : undefined), 10_000)).toBe(0);
      } finally {
        await lifecycle.close();
      }
    } finally {
      await stack.destroy();
      await proxy.down();
    }
  });
});
