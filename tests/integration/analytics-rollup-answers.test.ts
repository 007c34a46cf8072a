import 'reflect-metadata';
import { v7 as uuidv7 } from 'uuid';
import { createMemoryBus } from '../../platform/events/memory-bus.js';
import { OutboxRelay } from '../../platform/events/outbox.js';
import { createLogger } from '../../platform/logger.js';
import type { Orm } from '../../platform/orm.js';
import { parseEvent } from '../../schema/events/contracts.js';
import { eraseAnalyticsData } from '../../subgraphs/analytics/privacy/erasure-handler.js';
import { IngestService, type AnalyticsEvent } from '../../subgraphs/analytics/services/ingest-service.js';
import { QueryService } from '../../subgraphs/analytics/services/query-service.js';
import { boundRows } from '../../subgraphs/analytics/services/sql.js';
import { Loaders } from '../../platform/loaders.js';
import { profiles } from '../support/profiles.js';
import { testConfig } from '../support/test-stack.js';
import { closeAnalyticsIngest, openAnalyticsIngest } from '../support/analytics-ingest.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A client-tracked event at `at`; `actorId` differs from the user for something done to them. */
function tracked(userId: string, at: Date, actorId: string = userId) {
  return parseEvent(
    JSON.stringify({
      id: uuidv7(),
      type: 'client.tracked',
      occurredAt: new Date().toISOString(),
      actorId,
      userId,
      payload: { type: 'page.view', properties: {}, occurredAt: at.toISOString() },
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
          events.push(tracked(user, new Date(now - day * DAY_MS - ((n * 5 + index) % 20) * HOUR_MS)));
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
