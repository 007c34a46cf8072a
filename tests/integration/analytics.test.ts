import { Registry } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Topic } from '../../schema/events/contracts.js';
import { event, type Envelope } from '../support/event-envelope.js';
import {
  bearer,
  errorCode,
  gql,
  GOOD_PASSWORD,
  LOGIN,
  register,
  uniqueEmail,
  type Account,
  type GraphQLResponse,
} from '../support/http.js';
import { eventually } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { collect } from '../support/ws.js';
import { consumeEventBatches } from '../../platform/events/typed-batch-consumer.js';
import { analyticsEvents } from '../../subgraphs/analytics/events.js';
import { History } from '../../subgraphs/analytics/services/history.js';
import { IngestService } from '../../subgraphs/analytics/services/ingest-service.js';
import { analyticsMetrics } from '../../subgraphs/analytics/services/metrics.js';
import { createMemoryRealtimeStore } from '../../subgraphs/analytics/services/realtime/memory-store.js';
import { rebuildRollups } from '../../subgraphs/analytics/services/rebuild.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The fixture lives on the two UTC days before today: D0 and D1. */
const today = Math.floor(Date.now() / DAY) * DAY;
const d0 = today - 2 * DAY;
const d1 = today - DAY;
const at = (day: number, hh: number, mm = 0) => new Date(day + hh * HOUR + mm * 60_000).toISOString();
const dateOf = (time: number) => new Date(time).toISOString().slice(0, 10);

const A = randomUUID();
const B = randomUUID();
const C = randomUUID();
const S1 = randomUUID();
const S2 = randomUUID();
const conversation = randomUUID();
const companion = randomUUID();

const message = () => ({ conversationId: conversation, messageId: randomUUID(), companionId: companion, length: 12 });
const reply = (prompt: number, completion: number) => ({
  conversationId: conversation,
  messageId: randomUUID(),
  companionId: companion,
  status: 'COMPLETE' as const,
  finishReason: 'stop',
  promptTokens: prompt,
  completionTokens: completion,
});
const registered = { role: 'USER', plan: 'FREE', status: 'ACTIVE' } as const;

/** A known day and a half of three users; the late message of A on D0 arrives last. */
const LATE = event('message.sent', A, at(d0, 23, 30), message());
const FIXTURE: Envelope[] = [
  event('user.registered', A, at(d0, 10), registered),
  event('user.login', A, at(d0, 10, 1), { sessionId: S1 }),
  event('conversation.started', A, at(d0, 10, 4), { conversationId: conversation, companionId: companion }),
  event('message.sent', A, at(d0, 10, 5), message()),
  event('message.received', A, at(d0, 10, 6), reply(10, 20)),
  event('user.logout', A, at(d0, 10, 31), { sessionId: S1 }),
  event('user.registered', B, at(d0, 11), registered),
  event('conversation.started', B, at(d0, 12), { conversationId: conversation, companionId: companion }),
  event('message.sent', B, at(d0, 12, 30), message()),
  event('user.registered', C, at(d0, 13), registered),
  event('user.login', C, at(d0, 13, 5), { sessionId: S2 }),
  event('message.sent', A, at(d1, 9), message()),
  event('message.received', A, at(d1, 9, 1), reply(5, 5)),
  event('subscription.created', B, at(d1, 8), {
    subscriptionId: 'sub-1',
    plan: 'PREMIUM',
    previousPlan: 'FREE',
    monthlyAmountCents: 999,
    currency: 'USD',
  }),
  event('payment.completed', B, at(d1, 8, 1), {
    paymentId: 'pay-1',
    subscriptionId: 'sub-1',
    plan: 'PREMIUM',
    amountCents: 999,
    currency: 'USD',
  }),
  // A moderator warns C: an event of C's, but not C's doing, so C is not active on D1.
  {
    ...event('user.status_changed', C, at(d1, 15), { from: 'ACTIVE', to: 'WARNED', reason: 'spam' }),
    actorId: randomUUID(),
  },
  LATE,
];

const PLATFORM = `query($from: DateTime, $to: DateTime) { platformMetrics(from: $from, to: $to) {
  dau mau activeUsers totalEvents conversions conversionRate
  eventsByType { type count } topEvents { type count } topUsers { user { id } count }
  revenue { totalCents mrrCents arpuCents byPlan { plan amountCents payments } } } }`;
const USER_METRICS = `query($userId: ID!, $from: DateTime, $to: DateTime) { userMetrics(userId: $userId, from: $from, to: $to) {
  totalEvents messagesSent tokensUsed averageMessagesPerDay eventsByType { type count }
  sessionDuration { sessions totalSeconds averageSeconds } } }`;
const FUNNEL = `query($steps: [String!]!, $from: DateTime, $to: DateTime) { conversionFunnel(steps: $steps, from: $from, to: $to) {
  conversion steps { type users conversion overallConversion } } }`;

const fields = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.field;

describe.each(profiles())('analytics ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let analyst: Account;
  let user: Account;
  const window = { from: new Date(d0).toISOString(), to: new Date(today).toISOString() };

  async function staff(role: 'ANALYST' | 'ADMIN'): Promise<Account> {
    const email = uniqueEmail(role.toLowerCase());
    const account = await register(url, { email });
    await execSql(stack, 'users', 'update users set role = ? where id = ?', [role, account.id]);
    const login = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    return { ...account, accessToken: login.body.data!.login.accessToken };
  }
  const publish = (events: Envelope[]) =>
    stack.runtime.bus.publish(
      Topic.analytics,
      events.map((e) => ({ key: e.userId, value: JSON.stringify(e) })),
    );
  const asAnalyst = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) =>
    gql<T>(url, query, variables, bearer(analyst.accessToken));

  beforeAll(async () => {
    // The subgraph reads ANALYTICS_* itself (settings.ts) when its services are created.
    const saved = process.env.ANALYTICS_TRACK_PER_SECOND;
    process.env.ANALYTICS_TRACK_PER_SECOND = '5';
    try {
      stack = await startTestStack(profile);
    } finally {
      if (saved === undefined) delete process.env.ANALYTICS_TRACK_PER_SECOND;
      else process.env.ANALYTICS_TRACK_PER_SECOND = saved;
    }
    url = stack.gateway.url;
    [analyst, user] = await Promise.all([staff('ANALYST'), register(url)]);
    // Everything but the late event, then a replay of all of it with a duplicate, then the late one.
    await publish(FIXTURE.slice(0, -1));
    await publish([...FIXTURE.slice(0, -1), FIXTURE[3]!]);
    await publish([LATE]);
    await eventually(async () => {
      const response = await asAnalyst<{ platformMetrics: { totalEvents: number } }>(PLATFORM, window);
      return response.body.data?.platformMetrics.totalEvents === FIXTURE.length ? true : undefined;
    }, 60_000);
  }, 120_000);
  afterAll(async () => {
    await stack?.destroy();
  });

  test('platform metrics of the fixture: each event once, DAU, MAU, conversion, revenue', async () => {
    const response = await asAnalyst<{ platformMetrics: Record<string, unknown> }>(PLATFORM, window);
    expect(response.body.errors).toBeUndefined();
    const metrics = response.body.data!.platformMetrics;
    expect(metrics).toMatchObject({
      dau: 2, // A and B on D1 (C's warning was a moderator's doing)
      mau: 3,
      activeUsers: 3,
      totalEvents: 17,
      conversions: 1,
      revenue: {
        totalCents: 999,
        mrrCents: 999,
        arpuCents: 333,
        byPlan: [{ plan: 'PREMIUM', amountCents: 999, payments: 1 }],
      },
    });
    expect(metrics.conversionRate).toBeCloseTo(1 / 3, 6);
    expect(metrics.topEvents).toEqual([
      { type: 'message.sent', count: 4 },
      { type: 'user.registered', count: 3 },
      { type: 'conversation.started', count: 2 },
      { type: 'message.received', count: 2 },
      { type: 'user.login', count: 2 },
      { type: 'payment.completed', count: 1 },
      { type: 'subscription.created', count: 1 },
      { type: 'user.logout', count: 1 },
      { type: 'user.status_changed', count: 1 },
    ]);
    expect(metrics.topUsers).toEqual([
      { user: { id: A }, count: 9 },
      { user: { id: B }, count: 5 },
      { user: { id: C }, count: 2 },
    ]);
  });

  test('by-hour and by-day series are gap-filled and the late event is in its own hour and day', async () => {
    const days = await asAnalyst<{ eventsByDay: { start: string; count: number }[] }>(
      `{ eventsByDay(type: "message.sent", days: 3) { start count } }`,
    );
    expect(days.body.data!.eventsByDay).toEqual([
      { start: new Date(d0).toISOString(), count: 3 },
      { start: new Date(d1).toISOString(), count: 1 },
      { start: new Date(today).toISOString(), count: 0 },
    ]);
    const hours = Math.floor((Date.now() - d0) / HOUR) + 1;
    const byHour = await asAnalyst<{ eventsByHour: { start: string; count: number }[] }>(
      `query($hours: Int) { eventsByHour(type: "message.sent", hours: $hours) { start count } }`,
      { hours },
    );
    const series = byHour.body.data!.eventsByHour;
    expect(series).toHaveLength(hours);
    expect(series[0]!.start).toBe(new Date(d0).toISOString());
    const nonZero = series.filter((bucket) => bucket.count > 0);
    expect(nonZero).toEqual([
      { start: at(d0, 10), count: 1 },
      { start: at(d0, 12), count: 1 },
      { start: at(d0, 23), count: 1 },
      { start: at(d1, 9), count: 1 },
    ]);
    // In New York D0's evening events fall on the local day before or on D0; totals stay the same.
    const local = await asAnalyst<{ eventsByDay: { start: string; count: number }[] }>(
      `{ eventsByDay(type: "message.sent", days: 4, timeZone: "America/New_York") { start count } }`,
    );
    expect(local.body.errors).toBeUndefined();
    expect(local.body.data!.eventsByDay.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(4);
  });

  test('a funnel counts each user once per step, in order, within the window', async () => {
    const response = await asAnalyst<{ conversionFunnel: { conversion: number; steps: { users: number }[] } }>(FUNNEL, {
      ...window,
      steps: ['user.registered', 'conversation.started', 'message.sent', 'subscription.created'],
    });
    expect(response.body.errors).toBeUndefined();
    const funnel = response.body.data!.conversionFunnel;
    expect(funnel.steps.map((step) => step.users)).toEqual([3, 2, 2, 1]);
    expect(funnel.conversion).toBeCloseTo(1 / 3, 6);
    // Out of order does not count: nobody sent a message and then registered.
    const reversed = await asAnalyst<{ conversionFunnel: { steps: { users: number }[] } }>(FUNNEL, {
      ...window,
      steps: ['message.received', 'user.registered'],
    });
    expect(reversed.body.data!.conversionFunnel.steps.map((step) => step.users)).toEqual([1, 0]);
  });

  test('retention of the D0 cohort and user metrics of A', async () => {
    const retention = await asAnalyst<{ retention: { start: string; size: number; retained: number[] }[] }>(
      `{ retention(cohort: DAY, periods: 3) { start size retained } }`,
    );
    const cohort = retention.body.data!.retention.find((row) => row.start === new Date(d0).toISOString());
    // Cohorts hold the fixture's users and the accounts this suite registered today.
    expect(cohort).toEqual({ start: new Date(d0).toISOString(), size: 3, retained: [3, 2, 0] });

    const metrics = await asAnalyst<{ userMetrics: Record<string, unknown> }>(USER_METRICS, { userId: A, ...window });
    expect(metrics.body.data!.userMetrics).toMatchObject({
      totalEvents: 9,
      messagesSent: 3,
      tokensUsed: 40,
      averageMessagesPerDay: 1.5,
      sessionDuration: { sessions: 1, totalSeconds: 1800, averageSeconds: 1800 },
    });
  });

  test('access: a user sees their own metrics only; platform metrics are for analysts', async () => {
    const own = await gql<{ userMetrics: { totalEvents: number } }>(
      url,
      USER_METRICS,
      { userId: user.id },
      bearer(user.accessToken),
    );
    expect(own.body.errors).toBeUndefined();
    const other = await gql(url, USER_METRICS, { userId: A }, bearer(user.accessToken));
    expect(errorCode(other)).toBe('FORBIDDEN');
    const platform = await gql(url, PLATFORM, {}, bearer(user.accessToken));
    expect(errorCode(platform)).toBe('FORBIDDEN');
    const anonymous = await gql(url, PLATFORM, {});
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    const viaUser = await gql<{ user: { metrics: { userId: string } } | null }>(
      url,
      `query($id: ID!) { user(id: $id) { id metrics { userId } } }`,
      { id: user.id },
      bearer(user.accessToken),
    );
    expect(viaUser.body.errors).toBeUndefined();
    expect(viaUser.body.data?.user?.metrics?.userId).toBe(user.id);
  });

  test.each([
    ['from after to', PLATFORM, { from: window.to, to: window.from }, 'from'],
    ['a range over 366 days', PLATFORM, { from: new Date(today - 400 * DAY).toISOString(), to: window.to }, 'to'],
    ['one funnel step', FUNNEL, { steps: ['user.registered'] }, 'steps'],
    ['eleven funnel steps', FUNNEL, { steps: Array.from({ length: 11 }, (_, i) => `a.s${i}`) }, 'steps'],
    ['an unknown time zone', `{ eventsByDay(timeZone: "Mars/Olympus") { count } }`, {}, 'timeZone'],
    ['a negative limit', `{ topUsers(limit: -1) { count } }`, {}, 'limit'],
    ['a negative topEvents limit', `{ topEvents(limit: -5) { count } }`, {}, 'limit'],
  ])('bad input: %s', async (_name, query, variables, field) => {
    const response = await asAnalyst(query, variables);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(fields(response)).toBe(field);
  });

  test('trackEvent goes through Kafka and is counted once; realtime counters follow', async () => {
    const TRACK = `mutation($input: TrackEventInput!) { trackEvent(input: $input) }`;
    const tracked = await gql<{ trackEvent: boolean }>(
      url,
      TRACK,
      { input: { type: 'page.view', properties: { path: '/home' } } },
      bearer(user.accessToken),
    );
    expect(tracked.body.data?.trackEvent).toBe(true);
    const many = await gql<{ trackEvents: number }>(
      url,
      `mutation($inputs: [TrackEventInput!]!) { trackEvents(inputs: $inputs) }`,
      {
        inputs: [{ type: 'page.view' }, { type: 'button.click', occurredAt: new Date(Date.now() - DAY).toISOString() }],
      },
      bearer(user.accessToken),
    );
    expect(many.body.data?.trackEvents).toBe(2);
    const counts = await eventually(async () => {
      const response = await gql<{ userMetrics: { eventsByType: { type: string; count: number }[] } }>(
        url,
        USER_METRICS,
        { userId: user.id },
        bearer(user.accessToken),
      );
      const byType = Object.fromEntries(
        response.body.data!.userMetrics.eventsByType.map((row) => [row.type, row.count]),
      );
      return byType['page.view'] === 2 && byType['button.click'] === 1 ? byType : undefined;
    }, 60_000);
    expect(counts['page.view']).toBe(2);

    const realtime = await asAnalyst<{ realtimeMetrics: Record<string, number> }>(
      `{ realtimeMetrics { currentActiveUsers eventsPerSecond todayEvents todayActiveUsers } }`,
    );
    expect(realtime.body.data!.realtimeMetrics.currentActiveUsers).toBeGreaterThanOrEqual(1);
    expect(realtime.body.data!.realtimeMetrics.todayEvents).toBeGreaterThanOrEqual(2);
    expect(realtime.body.data!.realtimeMetrics.todayActiveUsers).toBeGreaterThanOrEqual(1);
  });

  test.each([
    ['a type that is not area.action', { type: 'PageView' }, 'input.type'],
    ['a server event type', { type: 'message.sent' }, 'input.type'],
    ['properties over 4 KB', { type: 'page.view', properties: { blob: 'x'.repeat(5000) } }, 'input.properties'],
    [
      'a time 10 minutes ahead',
      { type: 'page.view', occurredAt: new Date(Date.now() + 600_000).toISOString() },
      'input.occurredAt',
    ],
    [
      'a time 8 days ago',
      { type: 'page.view', occurredAt: new Date(Date.now() - 8 * DAY).toISOString() },
      'input.occurredAt',
    ],
  ])('trackEvent refuses %s', async (_name, input, field) => {
    const response = await gql(
      url,
      `mutation($input: TrackEventInput!) { trackEvent(input: $input) }`,
      { input },
      bearer(user.accessToken),
    );
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(fields(response)).toBe(field);
  });

  test('tracking is rate-limited per user', async () => {
    const busy = await register(url);
    const responses = await Promise.all(
      Array.from({ length: 30 }, () =>
        gql(url, `mutation { trackEvent(input: { type: "page.view" }) }`, {}, bearer(busy.accessToken)),
      ),
    );
    const codes = responses.map((response) => errorCode(response) ?? 'OK');
    expect(codes).toContain('OK');
    expect(codes).toContain('RATE_LIMITED');
    // Someone else is not slowed down by it.
    const other = await gql(url, `mutation { trackEvent(input: { type: "page.view" }) }`, {}, bearer(user.accessToken));
    expect(errorCode(other)).toBeUndefined();
  });

  test('trackEvents takes at most 100 events', async () => {
    const inputs = Array.from({ length: 101 }, () => ({ type: 'page.view' }));
    const response = await gql(
      url,
      `mutation($inputs: [TrackEventInput!]!) { trackEvents(inputs: $inputs) }`,
      { inputs },
      bearer(user.accessToken),
    );
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
  });

  test('every realtime key exists with a 30-day TTL', async () => {
    const keys = [
      `metrics:events:total:${dateOf(d0)}`,
      `metrics:events:message.sent:${dateOf(d0)}`,
      `metrics:user:${A}:events:${dateOf(d0)}`,
      `metrics:active_users:${dateOf(d0)}`,
    ];
    if (profile.name === 'services') {
      const redis = new Redis(stack.config.REDIS_URL!, { keyPrefix: stack.config.REDIS_KEY_PREFIX });
      try {
        for (const key of keys) {
          const ttl = await redis.ttl(key);
          expect(Math.abs(ttl - 30 * 86_400)).toBeLessThanOrEqual(60);
        }
        expect(await redis.get(`metrics:events:message.sent:${dateOf(d0)}`)).toBe('3');
        expect(await redis.get(`metrics:user:${A}:events:${dateOf(d0)}`)).toBe('7');
        expect(await redis.pfcount(`metrics:active_users:${dateOf(d0)}`)).toBe(3);
        // A, B and the user who tracked a click a day ago; not C (warned by a moderator, not active).
        expect(await redis.pfcount(`metrics:active_users:${dateOf(d1)}`)).toBe(3);
      } finally {
        redis.disconnect();
      }
    } else {
      const { status, body } = await gql<{ realtimeKeyTtls: number[] }>(
        url,
        `query($keys: [String!]!) { realtimeKeyTtls(keys: $keys) }`,
        { keys },
        bearer(analyst.accessToken),
      );
      expect(status).toBe(200);
      for (const ttl of body.data!.realtimeKeyTtls) expect(Math.abs(ttl - 30 * 86_400)).toBeLessThanOrEqual(60);
    }
  });

  test('liveMetrics streams through the gateway over graphql-ws', async () => {
    const live = collect<{ liveMetrics: { todayEvents: number } }>(
      url,
      `subscription { liveMetrics(intervalSeconds: 1) { currentActiveUsers eventsPerSecond todayEvents todayActiveUsers } }`,
      {},
      { authorization: `Bearer ${analyst.accessToken}` },
    );
    await eventually(() => (live.results.length >= 2 ? true : undefined), 30_000);
    live.leave();
    expect(live.results[0]?.errors).toBeUndefined();
    expect(live.results[1]!.data!.liveMetrics.todayEvents).toBeGreaterThanOrEqual(3);
    const refused = collect(
      url,
      `subscription { liveMetrics { todayEvents } }`,
      {},
      { authorization: `Bearer ${user.accessToken}` },
    );
    await refused.finished.catch(() => undefined);
    expect(refused.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
  test('reading the whole topic again, and rebuilding the rollups from history, give the same numbers', async () => {
    const before = await Promise.all([
      asAnalyst(PLATFORM, window),
      asAnalyst(USER_METRICS, { userId: A, ...window }),
      asAnalyst(FUNNEL, { ...window, steps: ['user.registered', 'conversation.started', 'message.sent'] }),
    ]);
    const orm = stack.subgraphs.analytics!.orm!;
    // A second consumer group from the start of the topic, writing into the same database.
    const replay = new IngestService({
      orm,
      history: new History(orm, 400),
      realtime: createMemoryRealtimeStore(),
      metrics: analyticsMetrics(new Registry()),
      logger: stack.runtime.logger,
      batchSize: 1000,
    });
    const seen = { events: 0, stored: 0 };
    const consumer = await consumeEventBatches(
      stack.runtime.bus,
      stack.runtime.logger,
      { ...analyticsEvents, groupId: `replay-${randomUUID()}` },
      async (events) => {
        const result = await replay.ingest(events);
        seen.events += events.length;
        seen.stored += result.stored;
      },
    );
    try {
      await eventually(() => (seen.events >= FIXTURE.length * 2 + 1 ? true : undefined), 60_000);
    } finally {
      await consumer.close();
    }
    expect(seen.stored).toBe(0);
    const rebuilt = await rebuildRollups(orm);
    expect(rebuilt).toBeGreaterThanOrEqual(FIXTURE.length);
    const after = await Promise.all([
      asAnalyst(PLATFORM, window),
      asAnalyst(USER_METRICS, { userId: A, ...window }),
      asAnalyst(FUNNEL, { ...window, steps: ['user.registered', 'conversation.started', 'message.sent'] }),
    ]);
    expect(after.map((response) => response.body)).toEqual(before.map((response) => response.body));
  });

  test('ingest metrics are served on the subgraph /metrics', async () => {
    const metrics = await (await fetch(new URL('/metrics', stack.subgraphs.analytics!.url))).text();
    expect(metrics).toMatch(/^analytics_events_ingested_total\{service="analytics"\} [1-9]/m);
    expect(metrics).toMatch(/^analytics_batch_duration_seconds_count\{service="analytics"\} [1-9]/m);
    expect(metrics).toContain('analytics_duplicates_dropped_total');
  });

  test('retention drops whole day partitions past ANALYTICS_RETENTION_DAYS and keeps the rest', async () => {
    const orm = stack.subgraphs.analytics!.orm!;
    const history = new History(orm, 400);
    await history.ensurePartitions(['2020-01-01']);
    const partitions = async () =>
      (
        await execSql<{ name: string }>(
          stack,
          'analytics',
          `select c.relname as "name" from pg_inherits i join pg_class c on c.oid = i.inhrelid
           where i.inhparent = '"analytics_events"'::regclass order by 1`,
        )
      ).map((row) => row.name);
    expect(await partitions()).toContain('analytics_events_p20200101');
    expect(await history.applyRetention()).toEqual(['2020-01-01']);
    const left = await partitions();
    expect(left).not.toContain('analytics_events_p20200101');
    expect(left).toContain(`analytics_events_p${dateOf(d0).replaceAll('-', '')}`);
  });
});
