import 'reflect-metadata';
import { v7 as uuidv7 } from 'uuid';
import { createMemoryBus } from '../../platform/events/memory-bus.js';
import { OutboxRelay } from '../../platform/events/outbox.js';
import { createLogger } from '../../platform/logger.js';
import type { Orm } from '../../platform/orm.js';
import { parseEvent } from '../../schema/events/contracts.js';
import { eraseAnalyticsData } from '../../subgraphs/analytics/privacy/erasure-handler.js';
import { IngestService, type AnalyticsEvent } from '../../subgraphs/analytics/services/ingest-service.js';
import { FunnelRunner } from '../../subgraphs/analytics/services/funnel-runner.js';
import { QueryService } from '../../subgraphs/analytics/services/query-service.js';
import { boundRows } from '../../subgraphs/analytics/services/sql.js';
import { Loaders } from '../../platform/loaders.js';
import { profiles } from '../support/profiles.js';
import { testConfig } from '../support/test-stack.js';
import { closeAnalyticsIngest, openAnalyticsIngest } from '../support/analytics-ingest.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A client-tracked event at `at`; `actorId` differs from the user for something done to them. */
function tracked(userId: string, at: Date, actorId: string = userId, type = 'page.view') {
  return parseEvent(
    JSON.stringify({
      id: uuidv7(),
      type: 'client.tracked',
      occurredAt: new Date().toISOString(),
      actorId,
      userId,
      payload: { type, properties: {}, occurredAt: at.toISOString() },
    }),
  ) as AnalyticsEvent;
}

function consent(userId: string, granted: boolean, at: Date) {
  return parseEvent(
    JSON.stringify({
      id: uuidv7(),
      type: 'user.consent_changed',
      occurredAt: at.toISOString(),
      actorId: userId,
      userId,
      payload: { purpose: 'ANALYTICS', granted, policyVersion: '1' },
    }),
  ) as AnalyticsEvent;
}

/**
 * MAU, active and top users are served from per-user monthly running totals and event counts
 * by type from whole days plus edge hours: every answer must equal the one counted from the
 * raw history, for windows that start and end mid-month, mid-day, across a month's end,
 * after consent refusals and after an erasure.
 */
describe.each(profiles())('analytics rollup answers equal the raw history ($name profile)', (profile) => {
  const { config, dataDir } = testConfig(profile);
  let orm: Orm;
  let ingest: IngestService;
  const queries = new QueryService();
  const analyst = uuidv7();
  const scope = () => ({
    requestId: 'test',
    identity: { userId: analyst, role: 'ANALYST' as const, sessionId: analyst },
    em: orm.em.fork(),
    loaders: new Loaders(),
    logger: createLogger('test', 'silent'),
  });

  beforeAll(async () => {
    ({ orm, ingest } = await openAnalyticsIngest(config, { consentGate: true }));
    // Twelve users over the last 70 days (three calendar months at least), each active on a
    // different rhythm; user 0 also has events others caused; user 1 refuses consent part-way
    // (then their operational events land on a pseudonym); user 2 is erased at the end.
    const users = Array.from({ length: 12 }, () => uuidv7());
    const now = Date.now();
    const events: AnalyticsEvent[] = [];
    for (let day = 70; day >= 0; day--) {
      users.forEach((user, index) => {
        if ((day + index) % ((index % 4) + 1) !== 0) return;
        for (let n = 0; n <= (index * 7 + day) % 5; n++) {
          const at = now - day * DAY_MS - ((n * 5 + index) % 20) * HOUR_MS;
          events.push(tracked(user, new Date(at)));
          // Other types for the funnels, some a little later, some earlier the same day.
          if ((n + index + day) % 3 === 1) events.push(tracked(user, new Date(at + 17 * 60_000), user, 'cart.add'));
          if ((n + index + day) % 4 === 2) events.push(tracked(user, new Date(at - 40 * 60_000), user, 'order.placed'));
        }
      });
      if (day % 3 === 0) events.push(tracked(users[0]!, new Date(now - day * DAY_MS), uuidv7()));
      if (day === 30) events.push(consent(users[1]!, false, new Date(now - day * DAY_MS)));
      if (day < 30 && day % 4 === 0) events.push(consent(users[1]!, false, new Date(now - day * DAY_MS)));
    }
    for (let i = 0; i < events.length; i += 100) await ingest.ingest(events.slice(i, i + 100));
    const outbox = new OutboxRelay({ orm, bus: createMemoryBus(), logger: createLogger('test', 'silent') });
    await eraseAnalyticsData(orm, outbox, users[2]!);
  }, 120_000);
  afterAll(() => closeAnalyticsIngest(orm, config, dataDir));

  /** Each user's own events in [first, last] (UTC days, inclusive), counted from the history. */
  async function rawUserCounts(first: string, last: string) {
    return boundRows<{ user_id: string; count: string }>(
      orm,
      `select user_id::text as user_id, count(*) as count from analytics_events
       where actor_id = user_id and (occurred_at at time zone 'UTC')::date between $1::date and $2::date
       group by 1 order by 2 desc, 1`,
      [first, last],
    );
  }

  const windows = () => {
    const now = Date.now();
    return [
      { from: null, to: null },
      { from: new Date(now - 45 * DAY_MS - 5 * HOUR_MS), to: new Date(now - 3 * DAY_MS + 7 * HOUR_MS) },
      { from: new Date(now - 66 * DAY_MS), to: new Date(now - 20 * DAY_MS - 90_000) },
      { from: new Date(now - 2 * DAY_MS - 30 * 60_000), to: new Date(now - DAY_MS) },
      { from: new Date(now - 50 * DAY_MS - 13 * HOUR_MS), to: new Date(now - 50 * DAY_MS - 11 * HOUR_MS) },
    ];
  };

  test('DAU, MAU, active users and top users equal the counts from the history', async () => {
    for (const { from, to } of windows()) {
      const metrics = await queries.platformMetrics(scope(), from, to);
      const firstDay = metrics.from.toISOString().slice(0, 10);
      const lastDay = new Date(metrics.to.getTime() - 1).toISOString().slice(0, 10);
      const mauFirst = new Date(Date.parse(lastDay) - 29 * DAY_MS).toISOString().slice(0, 10);
      const inWindow = await rawUserCounts(firstDay, lastDay);
      expect(metrics.activeUsers).toBe(inWindow.length);
      expect(metrics.dau).toBe((await rawUserCounts(lastDay, lastDay)).length);
      expect(metrics.mau).toBe((await rawUserCounts(mauFirst, lastDay)).length);
      const expectedTop = inWindow.slice(0, 10).map((row) => ({ userId: row.user_id, count: Number(row.count) }));
      expect(metrics.topUsers).toEqual(expectedTop);
      expect(await queries.topUsers(scope(), from, to, 5)).toEqual(expectedTop.slice(0, 5));
    }
  });

  test('events by type (and their total) equal the counts from the history, hour buckets at the ends', async () => {
    for (const { from, to } of windows()) {
      const metrics = await queries.platformMetrics(scope(), from, to);
      const raw = await boundRows<{ type: string; count: string }>(
        orm,
        `select type, count(*) as count from analytics_events
         where occurred_at >= date_trunc('hour', $1::timestamptz, 'UTC') and date_trunc('hour', occurred_at, 'UTC') < $2::timestamptz
         group by 1 order by 2 desc, 1`,
        [metrics.from, metrics.to],
      );
      expect(metrics.eventsByType).toEqual(raw.map((row) => ({ type: row.type, count: Number(row.count) })));
      expect(await queries.topEvents(scope(), from, to, 1)).toEqual(metrics.eventsByType.slice(0, 1));
    }
  });

  test("funnels equal the walk over each day's first and last time from the history", async () => {
    // Batches of 100 events span several days and users, so rows were built and merged both ways.
    const days = await boundRows<{ user_id: string; type: string; day: string; first: Date; last: Date }>(
      orm,
      `select user_id::text as user_id, type, to_char((occurred_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day,
         min(occurred_at) as first, max(occurred_at) as last from analytics_events group by 1, 2, 3`,
      [],
    );
    const byUser = new Map<string, { type: string; day: number; first: number; last: number }[]>();
    for (const row of days) {
      const list = byUser.get(row.user_id) ?? [];
      const [first, last] = [new Date(row.first).getTime(), new Date(row.last).getTime()];
      list.push({ type: row.type, day: Date.parse(row.day), first, last });
      byUser.set(row.user_id, list);
    }
    const dayOf = (time: number) => Math.floor(time / DAY_MS) * DAY_MS;
    // The documented rule, per user: step 1's first time in the window, then on each day from
    // the previous step's day on, that day's first time of the step if not before the previous
    // step, else its last time if not before; the earliest, within `hours` of step 1.
    const expected = (steps: string[], from: number, to: number, hours: number) => {
      const counts = steps.map(() => 0);
      for (const list of byUser.values()) {
        const firsts = list.filter((d) => d.type === steps[0] && d.first >= from && d.first < to).map((d) => d.first);
        if (firsts.length === 0) continue;
        const start = Math.min(...firsts);
        const end = start + hours * HOUR_MS;
        let at = start;
        counts[0]!++;
        for (let i = 1; i < steps.length; i++) {
          const candidates = list
            .filter((d) => d.type === steps[i] && d.day >= dayOf(at) && d.last >= at)
            .map((d) => (d.first >= at ? d.first : d.last))
            .filter((time) => time <= end);
          if (candidates.length === 0) break;
          at = Math.min(...candidates);
          counts[i]!++;
        }
      }
      return counts;
    };
    const now = Date.now();
    const cases: [string[], number, number, number][] = [
      [['page.view', 'cart.add', 'order.placed'], now - 30 * DAY_MS, now, 24],
      [['order.placed', 'page.view', 'cart.add', 'order.placed'], now - 45 * DAY_MS - 5 * HOUR_MS, now - 3 * DAY_MS, 2],
      [['cart.add', 'order.placed', 'cart.add'], now - 66 * DAY_MS, now - 20 * DAY_MS - 90_000, 24 * 40],
      [['page.view', 'order.placed'], now - 2 * DAY_MS - 30 * 60_000, now - DAY_MS, 1],
      [['cart.add', 'page.view', 'page.view'], now - 50 * DAY_MS, now - 10 * DAY_MS, 30],
    ];
    // One statement, and (on PostgreSQL, as the subgraph runs it) three parts by user side by
    // side: the parts must split the users for real and add up to the same answers.
    const inParts = new QueryService({ funnelParts: 3 });
    if (profile.name === 'services') expect(await new FunnelRunner(3).userRanges(orm.em.fork())).toHaveLength(3);
    for (const service of profile.name === 'services' ? [queries, inParts] : [queries]) {
      const answers: number[][] = [];
      for (const [steps, from, to, hours] of cases) {
        const funnel = await service.conversionFunnel(scope(), steps, new Date(from), new Date(to), hours);
        answers.push(funnel.steps.map((step) => step.users));
      }
      expect(answers).toEqual(cases.map(([steps, from, to, hours]) => expected(steps, from, to, hours)));
      // Not a trivial fixture: some users drop out along the way, and not all of them.
      expect(answers.some((counts) => counts.at(-1)! < counts[0]! && counts.at(-1)! > 0)).toBe(true);
    }
  });

  test('the erased user is counted under the pseudonym only, the refusing user under theirs after refusing', async () => {
    const metrics = await queries.platformMetrics(scope(), new Date(Date.now() - 80 * DAY_MS), null);
    const ids = new Set(
      (await boundRows<{ user_id: string }>(orm, `select user_id::text as user_id from analytics_user_months`, [])).map(
        (row) => row.user_id,
      ),
    );
    const consents = await boundRows<{ user_id: string; pseudonym: string; erased: boolean }>(
      orm,
      `select user_id::text as user_id, pseudonym::text as pseudonym, erased from analytics_consents order by erased`,
      [],
    );
    expect(consents.map((row) => row.erased)).toEqual([false, true]);
    const [refusing, erased] = consents;
    expect(ids.has(refusing!.pseudonym)).toBe(true);
    expect(ids.has(erased!.pseudonym)).toBe(true);
    expect(ids.has(erased!.user_id)).toBe(false);
    const top = await queries.topUsers(scope(), new Date(Date.now() - 80 * DAY_MS), null, 100);
    expect(top.some((row) => row.userId === erased!.user_id)).toBe(false);
    expect(metrics.activeUsers).toBe(top.length);
  });
});
