import { mayHaveSpacedLetters, SPACED_LETTERS } from './spaced-letters.js';

// The cheap check may only say "no" where the regular expression finds nothing.
const PIECES = ['a', 'b', 'é', 'x', '1', ' ', '.', '. ', ' - ', '\n', 'word', 'ab', '𝐀', '😀', '\ud800', '_', '  '];

function sample(seed: number, length: number): string {
  let state = seed * 7919 + 3;
  const next = () => Math.floor((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 65_536);
  let out = '';
  while (out.length < length) out += PIECES[next() % PIECES.length]!;
  return out;
}

describe('spaced letters', () => {
  test('the check lets through every text the regular expression matches, on 5,000 texts', () => {
    let matching = 0;
    let skipped = 0;
    for (let seed = 0; seed < 5_000; seed++) {
      const text = sample(seed, 1 + (seed % 80));
      const matches = [...text.matchAll(SPACED_LETTERS)].length > 0;
      const mayHave = mayHaveSpacedLetters(text);
      if (matches) {
        matching++;
        expect({ text, mayHave }).toEqual({ text, mayHave: true });
      } else if (!mayHave) skipped++;
    }
    // Both outcomes are exercised, and the check does rule texts out.
    expect(matching).toBeGreaterThan(200);
    expect(skipped).toBeGreaterThan(500);
  });

  test('chains at the ends of a text and split by a line break', () => {
    expect(mayHaveSpacedLetters('f.u.c.k')).toBe(true);
    expect(mayHaveSpacedLetters('say p u t a i n')).toBe(true);
    expect(mayHaveSpacedLetters('a b\nc')).toBe(false);
    expect(mayHaveSpacedLetters('a b c1')).toBe(false);
    expect(mayHaveSpacedLetters('a    b c')).toBe(false);
    expect(mayHaveSpacedLetters('a bc d')).toBe(false);
  });
});
