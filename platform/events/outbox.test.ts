import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openScratchDatabase, type Orm } from '../orm.js';
import type { EventBus } from './event-bus.js';
import { createMemoryBus } from './memory-bus.js';
import { OutboxRelay, stageEvent } from './outbox.js';
import { OutboxMessage } from './outbox-message.js';

/** Far beyond any wait below: whatever is published came from a kick, not from the poll. */
const NEVER_POLLS_MS = 3_600_000;
const USER = '0192d7a4-0000-7000-8000-000000000001';

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A bus that records what the relay publishes, in order, and can fail the next publishes. */
function recordingBus() {
  const inner = createMemoryBus();
  const published: string[] = [];
  let failures = 0;
  const bus: EventBus = {
    ...inner,
    async publish(topic, records) {
      if (failures > 0) {
        failures -= 1;
        throw new Error('broker down');
      }
      for (const record of records) published.push((JSON.parse(record.value) as { id: string }).id);
      await inner.publish(topic, records);
    },
    async publishAll(batches) {
      for (const { topic, records } of batches) await bus.publish(topic, records);
    },
  };
  return {
    bus,
    published,
    failNext(count: number) {
      failures = count;
    },
  };
}

describe('outbox relay', () => {
  let dir: string;
  let orm: Orm;
  const logger = createLogger('test', 'silent');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nexus-outbox-'));
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir });
    orm = await openScratchDatabase(
      { service: 'outbox', config, logger, entities: [OutboxMessage], migrations: [] },
      join(dir, 'db'),
    );
    await orm.schema.create();
  });
  afterAll(async () => {
    await orm?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Commits one event the way a service does (staged with its change) and returns its id. */
  const commitEvent = () =>
    orm.em.fork().transactional(async (tx) => {
      const envelope = stageEvent(tx, 'user.login', {
        userId: USER,
        actorId: USER,
        payload: { sessionId: '0192d7a4-0000-7000-8000-0000000000aa' },
      });
      return envelope.id;
    });
  const pending = () => orm.em.fork().count(OutboxMessage, { publishedAt: null });

  /** Runs `body` with a started relay (polling never) on a recording bus, stopped afterwards. */
  async function withRelay(body: (recorder: ReturnType<typeof recordingBus>, relay: OutboxRelay) => Promise<void>) {
    const recorder = recordingBus();
    const relay = new OutboxRelay({ orm, bus: recorder.bus, logger, pollIntervalMs: NEVER_POLLS_MS });
    relay.start();
    try {
      await body(recorder, relay);
    } finally {
      await relay.stop();
    }
  }

  test('a kick after a commit publishes the event without waiting for the poll', async () => {
    await withRelay(async (recorder, relay) => {
      const id = await commitEvent();
      relay.kick();
      await until(() => recorder.published.includes(id), 'the kicked event');
      await until(async () => (await pending()) === 0, 'the row marked published');
    });
  });

  test('events committed while the relay is busy all go out without waiting for the poll, in order', async () => {
    await withRelay(async (recorder, relay) => {
      // Each commit kicks as a service does; later kicks land while earlier ones are being published.
      const ids = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const id = await commitEvent();
          relay.kick();
          return id;
        }),
      );
      await until(() => ids.every((id) => recorder.published.includes(id)), 'every event');
      const order = recorder.published.filter((id) => ids.includes(id));
      expect(order).toEqual([...ids].sort()); // UUID v7: the order they were staged in
    });
  });

  test('a failed publish keeps the event pending and retries it until the broker answers', async () => {
    await withRelay(async (recorder, relay) => {
      await until(async () => (await pending()) === 0, 'an empty outbox');
      recorder.failNext(1);
      const id = await commitEvent();
      relay.kick();
      await until(
        async () => (await orm.em.fork().count(OutboxMessage, { eventId: id, attempts: 1 })) === 1,
        'a failure',
      );
      await until(() => recorder.published.includes(id), 'the retried event');
      await until(async () => (await pending()) === 0, 'the row marked published');
    });
  });

  test('a stopped relay publishes nothing more; the rows wait for the next start', async () => {
    const recorder = recordingBus();
    const relay = new OutboxRelay({ orm, bus: recorder.bus, logger, pollIntervalMs: NEVER_POLLS_MS });
    relay.start();
    await until(async () => (await pending()) === 0, 'an empty outbox');
    await relay.stop();
    const id = await commitEvent();
    relay.kick();
    expect(await pending()).toBe(1);
    expect(recorder.published).not.toContain(id);
    const next = new OutboxRelay({ orm, bus: recorder.bus, logger, pollIntervalMs: NEVER_POLLS_MS });
    next.start();
    try {
      await until(() => recorder.published.includes(id), 'the event after a restart');
    } finally {
      await next.stop();
    }
  });
});
