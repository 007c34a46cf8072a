import { createLogger } from '../../../platform/logger.js';
import { createClassifier, decide } from './classifiers/index.js';

const t = { autoApprove: 0.8, autoReject: 0.3 };

describe('decide: the thresholds have exact edges', () => {
  test.each([
    [1, 'APPROVE'],
    [0.8, 'APPROVE'],
    [0.7999, 'REVIEW'],
    [0.5, 'REVIEW'],
    [0.3, 'REVIEW'],
    [0.2999, 'REJECT'],
    [0, 'REJECT'],
    [null, 'REVIEW'],
  ] as const)('confidence %p → %s', (confidence, expected) => {
    expect(decide(confidence, t)).toBe(expected);
  });
});

describe('the placeholder classifier', () => {
  const classifier = createClassifier({}, createLogger('test', 'silent'));

  test('plain text is safe, a harmful phrase is not, a doubtful word goes to review', async () => {
    expect(
      decide((await classifier.classify({ contentType: 'MESSAGE', text: 'Tell me about Saturn' })).confidence, t),
    ).toBe('APPROVE');
    expect(decide((await classifier.classify({ contentType: 'MESSAGE', text: 'you idiot' })).confidence, t)).toBe(
      'REJECT',
    );
    expect(decide((await classifier.classify({ contentType: 'MESSAGE', text: 'that was stupid' })).confidence, t)).toBe(
      'REVIEW',
    );
  });

  test('media without text cannot be judged: null confidence', async () => {
    const media = { url: 'https://cdn.example.test/a.png', mimeType: 'image/png', size: 10, sha256: 'ab' };
    expect((await classifier.classify({ contentType: 'IMAGE', media })).confidence).toBeNull();
  });
});
