import { AnalyticsSettingsError, loadAnalyticsSettings } from './settings.js';

describe('analytics settings', () => {
  test('defaults, and a funnel split set by ANALYTICS_FUNNEL_PARTS', () => {
    expect(loadAnalyticsSettings({})).toEqual({
      retentionDays: 400,
      trackPerSecond: 20,
      batchSize: 5000,
      funnelParts: 2,
    });
    expect(loadAnalyticsSettings({ ANALYTICS_FUNNEL_PARTS: '4' }).funnelParts).toBe(4);
    expect(loadAnalyticsSettings({ ANALYTICS_FUNNEL_PARTS: '' }).funnelParts).toBe(2);
  });

  test.each(['0', '17', '1.5', 'two'])('ANALYTICS_FUNNEL_PARTS=%s is refused, naming the variable', (value) => {
    expect(() => loadAnalyticsSettings({ ANALYTICS_FUNNEL_PARTS: value })).toThrow(AnalyticsSettingsError);
    expect(() => loadAnalyticsSettings({ ANALYTICS_FUNNEL_PARTS: value })).toThrow(/ANALYTICS_FUNNEL_PARTS/);
  });
});
