import { confidenceFrom, decide, decideClassification, DEFAULT_THRESHOLDS } from './decide.js';
import type { Classification } from './types.js';

describe('decide', () => {
  test('the default edges: 0.8 approves, 0.3 goes to review, just below 0.3 rejects', () => {
    expect(decide(0.8)).toBe('APPROVE');
    expect(decide(0.79999)).toBe('REVIEW');
    expect(decide(0.3)).toBe('REVIEW');
    expect(decide(0.29999)).toBe('REJECT');
    expect(decide(1)).toBe('APPROVE');
    expect(decide(0)).toBe('REJECT');
    expect(decide(0.5)).toBe('REVIEW');
  });

  test('configured thresholds move the edges', () => {
    const strict = { autoApprove: 0.95, autoReject: 0.5 };
    expect(decide(0.9, strict)).toBe('REVIEW');
    expect(decide(0.95, strict)).toBe('APPROVE');
    expect(decide(0.5, strict)).toBe('REVIEW');
    expect(decide(0.49, strict)).toBe('REJECT');
    // Edges at the ends of the scale: nothing is rejected, or only certainty approves.
    expect(decide(0, { autoApprove: 1, autoReject: 0 })).toBe('REVIEW');
    expect(decide(1, { autoApprove: 1, autoReject: 0 })).toBe('APPROVE');
  });

  test('NaN is never approved', () => {
    expect(decide(Number.NaN)).toBe('REVIEW');
  });

  test('content nobody could judge goes to review whatever its confidence', () => {
    const result: Classification = {
      confidence: 1,
      categories: [],
      provider: 'local',
      fallback: false,
      reasons: [],
      judged: false,
      latencyMs: 0,
    };
    expect(decideClassification(result, DEFAULT_THRESHOLDS)).toBe('REVIEW');
    expect(decideClassification({ ...result, judged: true })).toBe('APPROVE');
  });

  test('confidence is one minus the worst category score, within [0,1]', () => {
    expect(confidenceFrom([])).toBe(1);
    // Exactly the edges: 1 − 0.7 in floating point would be 0.30000000000000004.
    expect(confidenceFrom([{ score: 0.2 }, { score: 0.7 }])).toBe(0.3);
    expect(confidenceFrom([{ score: 0.2 }])).toBe(0.8);
    expect(decide(confidenceFrom([{ score: 0.7 }]))).toBe('REVIEW');
    expect(decide(confidenceFrom([{ score: 0.7000001 }]))).toBe('REJECT');
    expect(confidenceFrom([{ score: 1.5 }])).toBe(0);
  });
});
