import { repetitionRule, spamRule } from './rules.js';

// The rules skip whole-text scans when a cheap exact check says they cannot match. These tests
// compare the rules with those scans run unconditionally, on texts built to sit on the edges.
const SEQUENCE_RUN = /(\S{2,4}?)\1{7,}/g;
const PIECES = [
  'ha',
  'hah',
  'lol',
  'abcd',
  '!?',
  'the',
  'river',
  'ran',
  'x',
  ' ',
  ' ',
  '\n',
  'see example.com',
  'www.site',
  'http://x',
  'e.g. this',
  'click here',
  'Cliquez ici',
  'free money',
  'buy now',
  'a.b',
  '😀',
];

function sample(seed: number, length: number): string {
  let state = seed * 7919 + 5;
  const next = () => Math.floor((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 65_536);
  let out = '';
  while (out.length < length) {
    const piece = PIECES[next() % PIECES.length]!;
    out += piece.repeat(1 + (next() % 4 === 0 ? next() % 12 : 0));
  }
  return out.slice(0, length);
}

function longestSequence(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(SEQUENCE_RUN)) longest = Math.max(longest, match[0].length);
  return longest;
}

describe('local rules', () => {
  test('the sequence flood reported is the longest match of the full scan, on 3,000 texts', () => {
    let floods = 0;
    for (let seed = 0; seed < 3_000; seed++) {
      const text = sample(seed, 20 + (seed % 600));
      const expected = longestSequence(text);
      const reason = repetitionRule(text).reasons.find((r) => r.startsWith('a short sequence'));
      if (expected >= 24) {
        floods++;
        expect(reason).toBe(`a short sequence repeated over ${expected} characters`);
      } else expect(reason).toBeUndefined();
    }
    expect(floods).toBeGreaterThan(300);
  });

  test('a flood at the very start or end of a text is found', () => {
    const flood = 'ab'.repeat(20);
    for (const text of [flood, `${flood} the end`, `the start ${flood}`, `x${'abc'.repeat(9)}`]) {
      expect(repetitionRule(text).reasons).toContain(
        `a short sequence repeated over ${longestSequence(text)} characters`,
      );
    }
  });

  test('few distinct words in a long text still count, however the words are spread', () => {
    const text = `${'one two three four five six seven eight '.repeat(10)}`;
    expect(repetitionRule(text).reasons).toContain('8 distinct words out of 80');
    expect(
      repetitionRule(`${'alpha beta '.repeat(50)}${Array.from({ length: 10 }, (_, i) => `w${i}`).join(' ')}`).reasons,
    ).toContain('12 distinct words out of 110');
  });

  test('links and promotional phrases equal the full scans, on 3,000 texts', () => {
    const URL_SCAN =
      /\b(?:https?:\/\/[^\s<>"'()]+|www\.[^\s<>"'()]+|[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*\.(?:com|net|org|io|co|me|ly|gg|tk|xyz|top|ru|cn|info|biz|click|link|shop|store|site|online|live|fr|de|uk|app|dev)\b(?:\/[^\s<>"'()]*)?)/gi;
    const PHRASES: [string, RegExp][] = [
      ['buy now', /\b(?:buy|order|shop) now\b/i],
      ['click here', /\bclick (?:here|the link|this link|below)\b/i],
      ['free stuff', /\bfree (?:money|gifts?|followers|likes|crypto|bitcoin|iphone|robux|v-?bucks|trial|nudes)\b/i],
      ['cliquez ici', /\bclique[rz]? (?:ici|sur le lien)\b/i],
    ];
    let linked = 0;
    for (let seed = 0; seed < 3_000; seed++) {
      const extra = ['check out my onlyfans', 'click here bit.ly/a', 'free followers', 'www.a.fr/b?c', 'HTTPS://b.io'];
      const text = `${sample(seed, 20 + (seed % 300))}${extra[seed % extra.length]}${sample(seed + 1, seed % 300)}`
        // A non-breaking space is whitespace to the link pattern too.
        .replaceAll('x', '\u00a0');
      const urls = text.match(URL_SCAN) ?? [];
      const reasons = spamRule(text).reasons;
      if (urls.length >= 3) {
        linked++;
        expect(reasons).toContain(`${urls.length} links`);
      } else expect(reasons.some((reason) => reason.endsWith(' links'))).toBe(false);
      const promotional = reasons.find((reason) => reason.startsWith('promotional: ')) ?? '';
      for (const [name, phrase] of PHRASES)
        expect([text, promotional.includes(name)]).toEqual([text, phrase.test(text)]);
    }
    expect(linked).toBeGreaterThan(100);
  });

  test('links and promotional phrases are found wherever the cheap check lets them through', () => {
    expect(spamRule('see example.com and example.com and example.com').reasons).toEqual([
      '3 links',
      'the same link 3 times',
    ]);
    expect(spamRule('HTTP://A HTTP://A').reasons).toEqual(['the same link 2 times']);
    expect(spamRule('just words. Nothing else.').score).toBe(0);
    expect(spamRule('Cliquez ici et buy now').reasons).toEqual(['promotional: buy now, cliquez ici']);
  });
});
