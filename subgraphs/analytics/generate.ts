/**
 * `npm run analytics:generate -- --users 10000 --days 30 --events 10000000 [--seed 1]`:
 * writes realistic synthetic history into the analytics database (the subgraph's own
 * configuration: PGlite under DATA_DIR, or DATABASE_URL), then builds the rollups in SQL.
 * Daily and weekly rhythm, a plan mix, sessions, and funnels that convert.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { loadConfigOrExit } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';
import { openDatabase } from '../../platform/orm.js';
import { analyticsSubgraph } from './schema.js';
import { HistoryChunk } from './services/history-chunk.js';
import { History, utcDay } from './services/history.js';
import { rebuildRollups } from './services/rebuild.js';
import { loadAnalyticsSettings } from './settings.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
const CHUNK = 50_000;
/** Chunks written at once. */
const WRITERS = 3;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`--${name} takes a positive whole number\n`);
    process.exit(2);
  }
  return value;
}

/** mulberry32: a small seeded generator, so a seed gives the same history. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const users = option('users', 10_000);
const settings = loadAnalyticsSettings();
const days = Math.min(option('days', 30), settings.retentionDays);
const target = option('events', 1_000_000);
const random = seeded(option('seed', 1));
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

/** Evenings busy, nights quiet (UTC); weekends busier. */
const HOUR_WEIGHTS = [3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6, 7, 8, 9, 10, 10, 9, 7, 5];
const HOUR_TOTAL = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
const weekdayWeight = (time: number) => [1.3, 0.9, 0.95, 1, 1, 1.05, 1.3][new Date(time).getUTCDay()]!;
const PLANS = [
  ['FREE', 0.7, 0],
  ['STANDARD', 0.18, 999],
  ['PREMIUM', 0.09, 1999],
  ['VIP', 0.03, 4999],
] as const;

const now = Date.now();
const firstDay = Math.floor(now / DAY) * DAY - (days - 1) * DAY;

function hourOfDay(): number {
  let r = random() * HOUR_TOTAL;
  for (let h = 0; h < 24; h++) if ((r -= HOUR_WEIGHTS[h]!) < 0) return h;
  return 23;
}

/** A day at or after `from` (a day index), weekends likelier. */
function dayAfter(from: number): number {
  for (;;) {
    const day = between(from, days - 1);
    if (random() * 1.3 < weekdayWeight(firstDay + day * DAY)) return day;
  }
}

const logger = createLogger('analytics-generate', 'warn');
const config = loadConfigOrExit(process.env);
const orm = await openDatabase({
  service: 'analytics',
  config,
  logger,
  entities: analyticsSubgraph.entities,
  migrations: analyticsSubgraph.migrations,
});
const history = new History(orm, settings.retentionDays);
await history.ensurePartitions(Array.from({ length: days }, (_, i) => utcDay(firstDay + i * DAY)));

let chunk = new HistoryChunk();
let written = 0;
const started = Date.now();
function progress(done: boolean) {
  const share = Math.min(1, written / target);
  const elapsed = (Date.now() - started) / 1000;
  const rate = written / Math.max(elapsed, 0.001);
  const eta = rate > 0 ? Math.max(0, (target - written) / rate) : 0;
  const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
  process.stderr.write(
    `\r[${bar}] ${(share * 100).toFixed(1).padStart(5)}% ${written.toLocaleString('en')} events, ` +
      `${Math.round(rate).toLocaleString('en')}/s, ${done ? `done in ${elapsed.toFixed(1)} s` : `ETA ${eta.toFixed(0)} s`}   ${done ? '\n' : ''}`,
  );
}
/**
 * Chunks being inserted. PostgreSQL (parsing the JSON, the key index, the WAL) is the bound,
 * not this process: the next chunks are generated while earlier ones are written, on
 * separate pooled connections, so both cores work.
 */
const inFlight = new Set<Promise<void>>();
async function flush() {
  const rows = chunk;
  chunk = new HistoryChunk();
  if (rows.size === 0) return;
  const write = rows.write(orm).then(() => {
    written += rows.size;
    progress(false);
  });
  inFlight.add(write);
  void write.finally(() => inFlight.delete(write)).catch(() => undefined);
  if (inFlight.size >= WRITERS) await Promise.race(inFlight);
}
/** What the system does on its own (renewals, cancellations at term): no actor. */
const SYSTEM = new Set(['payment.completed', 'subscription.cancelled']);
async function add(type: string, userId: string, time: number, properties: Record<string, unknown> = {}) {
  if (time > now) return;
  chunk.add(randomUUID(), type, userId, SYSTEM.has(type) ? null : userId, time, JSON.stringify(properties));
  if (chunk.size >= CHUNK) await flush();
}

// Activity is heavy-tailed: a few users do much of the talking.
const weights = Array.from({ length: users }, () => 1 / Math.pow(random() + 0.02, 0.7));
const totalWeight = weights.reduce((a, b) => a + b, 0);

for (let u = 0; u < users; u++) {
  const userId = randomUUID();
  const registeredDay = random() < 0.35 ? 0 : dayAfter(0);
  const registeredAt = firstDay + registeredDay * DAY + hourOfDay() * 3_600_000 + between(0, 59) * MINUTE;
  let r = random();
  const [plan, , price] = PLANS.find(([, share]) => (r -= share) < 0) ?? PLANS[0];
  const budget = Math.max(1, Math.round((target * weights[u]!) / totalWeight));
  let emitted = 0;
  const emit = async (type: string, time: number, properties?: Record<string, unknown>) => {
    emitted += 1;
    await add(type, userId, time, properties);
  };

  await emit('user.registered', registeredAt, { role: 'USER', plan: 'FREE', status: 'ACTIVE' });
  const companionId = randomUUID();
  if (random() < 0.6)
    await emit('companion.created', registeredAt + 5 * MINUTE, { companionId, visibility: 'PRIVATE' });
  if (plan !== 'FREE') {
    const subscriptionId = `sub_${userId.slice(0, 8)}`;
    const subscribedAt = registeredAt + between(1, 72) * 3_600_000;
    await emit('subscription.created', subscribedAt, {
      subscriptionId,
      plan,
      previousPlan: 'FREE',
      monthlyAmountCents: price,
      currency: 'USD',
    });
    for (let paidAt = subscribedAt + MINUTE; paidAt <= now; paidAt += 30 * DAY) {
      await emit('payment.completed', paidAt, {
        paymentId: randomUUID(),
        subscriptionId,
        plan,
        amountCents: price,
        currency: 'USD',
      });
    }
    if (random() < 0.1)
      await emit('subscription.cancelled', subscribedAt + between(2, 20) * DAY, { subscriptionId, plan, reason: null });
  }
  while (emitted < budget) {
    const day = dayAfter(registeredDay);
    let time = Math.max(
      registeredAt + 10 * MINUTE,
      firstDay + day * DAY + hourOfDay() * 3_600_000 + between(0, 59) * MINUTE,
    );
    const sessionId = randomUUID();
    const conversationId = randomUUID();
    await emit('user.login', time, { sessionId });
    await emit('page.view', (time += 20_000), { path: pick(['/home', '/companions', '/chat', '/settings']) });
    if (random() < 0.5) await emit('conversation.started', (time += 30_000), { conversationId, companionId });
    const messages = between(1, 8);
    for (let m = 0; m < messages && emitted < budget; m++) {
      const messageId = randomUUID();
      await emit('message.sent', (time += between(30, 90) * 1000), {
        conversationId,
        messageId,
        companionId,
        length: between(5, 400),
      });
      await emit('message.received', (time += between(2, 15) * 1000), {
        conversationId,
        messageId: randomUUID(),
        companionId,
        status: 'COMPLETE',
        finishReason: 'stop',
        promptTokens: between(50, 800),
        completionTokens: between(20, 400),
      });
    }
    if (random() < 0.75) await emit('user.logout', time + between(1, 5) * MINUTE, { sessionId });
  }
}
await flush();
await Promise.all(inFlight);
progress(true);
process.stderr.write('building the rollups in SQL…\n');
const rollupStarted = Date.now();
const total = await rebuildRollups(orm);
await orm.close();
process.stdout.write(
  `wrote ${written.toLocaleString('en')} events for ${users.toLocaleString('en')} users over ${days} days; ` +
    `rollups over ${total.toLocaleString('en')} events built in ${((Date.now() - rollupStarted) / 1000).toFixed(1)} s\n`,
);
