import { DEFAULT_ENTITLEMENTS, loadPlanTable, nextDailyReset } from './plans.js';

describe('plan table', () => {
  test('defaults without PLAN_ENTITLEMENTS; overrides apply cell by cell', () => {
    expect(loadPlanTable({})).toBe(DEFAULT_ENTITLEMENTS);
    const table = loadPlanTable({ PLAN_ENTITLEMENTS: '{"FREE":{"messagesPerDay":20},"VIP":{"model":"gpt-4.1"}}' });
    expect(table.FREE).toEqual({ ...DEFAULT_ENTITLEMENTS.FREE, messagesPerDay: 20 });
    expect(table.VIP.model).toBe('gpt-4.1');
    expect(table.STANDARD).toEqual(DEFAULT_ENTITLEMENTS.STANDARD);
  });

  test.each([
    ['not JSON', '{', /must be JSON/],
    ['an unknown plan', '{"GOLD":{}}', /PLAN_ENTITLEMENTS/],
    ['an unknown field', '{"FREE":{"tokens":1}}', /PLAN_ENTITLEMENTS\.FREE/],
    ['a negative limit', '{"FREE":{"messagesPerDay":-1}}', /PLAN_ENTITLEMENTS\.FREE\.messagesPerDay/],
    ['a bad priority', '{"VIP":{"streamingPriority":"URGENT"}}', /PLAN_ENTITLEMENTS\.VIP\.streamingPriority/],
  ])('refuses %s, naming the cell', (_what, value, message) => {
    expect(() => loadPlanTable({ PLAN_ENTITLEMENTS: value })).toThrow(message);
  });

  test('daily quotas reset at the next 00:00 UTC', () => {
    expect(nextDailyReset(new Date('2026-03-31T23:59:59.999Z')).toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(nextDailyReset(new Date('2026-04-01T00:00:00.000Z')).toISOString()).toBe('2026-04-02T00:00:00.000Z');
  });
});
