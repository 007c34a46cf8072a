import { ConfigError } from '../config.js';
import { TextChecker } from './text-check.js';
import { readThresholds } from './thresholds.js';

describe('readThresholds', () => {
  test('defaults, explicit values, and bad values named', () => {
    expect(readThresholds({})).toEqual({ autoApprove: 0.8, autoReject: 0.3 });
    expect(readThresholds({ MODERATION_AUTO_APPROVE: '0.9', MODERATION_AUTO_REJECT: '' })).toEqual({
      autoApprove: 0.9,
      autoReject: 0.3,
    });
    expect(() => readThresholds({ MODERATION_AUTO_REJECT: 'high' })).toThrow(ConfigError);
    expect(() => readThresholds({ MODERATION_AUTO_REJECT: '0.9' })).toThrow(/MODERATION_AUTO_REJECT/);
  });
});

describe('TextChecker', () => {
  const checker = new TextChecker({ autoApprove: 0.8, autoReject: 0.3 });

  test('one decision per band', () => {
    expect(checker.checkMessage('hello there').decision).toBe('APPROVE');
    expect(checker.checkMessage('what the fuck is this shit').decision).toBe('REVIEW');
    expect(
      checker.checkMessage('visit http://win.example/x http://win.example/x http://win.example/x now').decision,
    ).toBe('REJECT');
  });
});
