import 'reflect-metadata';
import { v7 as uuidv7 } from 'uuid';
import type { Orm } from '../../platform/orm.js';
import { parseEvent } from '../../schema/events/contracts.js';
import { IngestService, type AnalyticsEvent } from '../../subgraphs/analytics/services/ingest-service.js';
import { boundRows } from '../../subgraphs/analytics/services/sql.js';
import { profiles } from '../support/profiles.js';
import { testConfig } from '../support/test-stack.js';
import { closeAnalyticsIngest, openAnalyticsIngest } from '../support/analytics-ingest.js';

// What a client may put in tracked properties: everything the batch's array encoding must carry intact.
const AWKWARD = {
  quote: 'she said "hi"',
  backslash: 'C:\\temp\\new',
  both: '\\"',
  braces: '{a,b}',
  comma: 'a, b',
  word: 'NULL',
  empty: '',
  unicode: 'é ✓ 你好 🚀',
  newline: 'line\nnext\ttab',
  nested: { list: [1, 'two', null, { deep: true }] },
};

function event(type: string, userId: string, payload: Record<string, unknown>, occurredAt = new Date()) {
  return parseEvent(
    JSON.stringify({ id: uuidv7(), type, occurredAt: occurredAt.toISOString(), actorId: userId, userId, payload }),
  ) as AnalyticsEvent;
}

describe.each(profiles())('analytics ingest statement ($name profile)', (profile) => {
  const { config, dataDir } = testConfig(profile);
  let orm: Orm;
  let ingest: IngestService;

  beforeAll(async () => {
    ({ orm, ingest } = await openAnalyticsIngest(config));
  }, 60_000);
  afterAll(() => closeAnalyticsIngest(orm, config, dataDir));

  test('properties with quotes, backslashes, braces and unicode are stored exactly', async () => {
    const user = uuidv7();
    const tracked = event('client.tracked', user, {
      type: 'page.view',
      properties: AWKWARD,
      occurredAt: new Date().toISOString(),
    });
    const result = await ingest.ingest([tracked]);
    expect(result).toEqual({ stored: 1, duplicates: 0, expired: 0 });
    const [row] = await boundRows<{ type: string; properties: unknown }>(
      orm,
      'select "type", "properties" from "analytics_events" where "id" = $1',
      [tracked.id],
    );
    expect(row?.type).toBe('page.view');
    const stored = typeof row?.properties === 'string' ? JSON.parse(row.properties) : row?.properties;
    expect(stored).toEqual(AWKWARD);
  });

  test('a batch counts each event once, feeds only its rollups, and reports duplicates', async () => {
    const user = uuidv7();
    const sessionId = uuidv7();
    const login = event('user.login', user, { sessionId });
    const sent = event('message.sent', user, {
      conversationId: uuidv7(),
      messageId: uuidv7(),
      companionId: uuidv7(),
      length: 3,
    });
    expect(await ingest.ingest([login, sent, sent])).toEqual({ stored: 2, duplicates: 1, expired: 0 });
    // Redelivered: nothing new, both counted as duplicates.
    expect(await ingest.ingest([login, sent])).toEqual({ stored: 0, duplicates: 2, expired: 0 });
    // Redelivered with a new event: only the new one counts.
    const logout = event('user.logout', user, { sessionId });
    expect(await ingest.ingest([sent, logout, login])).toEqual({ stored: 1, duplicates: 2, expired: 0 });
    const [counts] = await boundRows<{ events: string | number; sessions: string | number }>(
      orm,
      `select (select sum("events") from "analytics_user_daily" where "user_id" = $1) as "events",
              (select count(*) from "analytics_sessions" where "session_id" = $2) as "sessions"`,
      [user, sessionId],
    );
    expect(Number(counts?.events)).toBe(3);
    expect(Number(counts?.sessions)).toBe(1);
  });
});
