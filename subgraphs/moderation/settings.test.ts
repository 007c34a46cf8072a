import { loadModerationSettings } from './settings.js';

describe('moderation settings', () => {
  test('defaults', () => {
    expect(loadModerationSettings({})).toEqual({
      autoApprove: 0.8,
      autoReject: 0.3,
      claimLeaseMs: 900_000,
      escalationReports: 5,
      appealWindowMs: 14 * 86_400_000,
    });
  });

  test('fractional leases and windows (tests use seconds)', () => {
    const settings = loadModerationSettings({
      MODERATION_CLAIM_LEASE_SECONDS: '1.5',
      MODERATION_APPEAL_WINDOW_DAYS: '0.5',
    });
    expect(settings.claimLeaseMs).toBe(1500);
    expect(settings.appealWindowMs).toBe(43_200_000);
  });

  test.each([
    [{ MODERATION_AUTO_REJECT: '0.8', MODERATION_AUTO_APPROVE: '0.8' }, 'MODERATION_AUTO_REJECT'],
    [{ MODERATION_AUTO_APPROVE: '1.5' }, 'MODERATION_AUTO_APPROVE'],
    [{ MODERATION_AUTO_REJECT: '-0.1' }, 'MODERATION_AUTO_REJECT'],
    [{ MODERATION_ESCALATION_REPORTS: '0' }, 'MODERATION_ESCALATION_REPORTS'],
    [{ MODERATION_CLAIM_LEASE_SECONDS: 'soon' }, 'MODERATION_CLAIM_LEASE_SECONDS'],
  ])('%p is refused, naming %s', (env, name) => {
    expect(() => loadModerationSettings(env)).toThrow(name);
  });
});
