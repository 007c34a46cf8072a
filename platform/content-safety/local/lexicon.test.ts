import { createLexicon } from './lexicon.js';

// The compiled scan must find exactly what obscenity's own matcher finds.
const compiled = createLexicon();
const reference = createLexicon({ matcher: 'obscenity' });

const NEAR_MISSES = [
  'assez',
  'associé',
  'du fromage râpé',
  'shitake',
  'analyse',
  'les bordelais',
  'Scunthorpe',
  'cocktail',
  'en retard',
  'pen is mightier',
  'snigger',
  'Montenegro',
  'grapes',
];
const FINDINGS = [
  'fuck',
  'sh1t',
  'putain',
  'C0NN4RD',
  'ass',
  'you n1gger',
  'porn',
  'f.u.c.k',
  'ENCULÉ',
  'raped',
  'tits',
];
const FILLER = 'the river ran past our old house while we talked about summer and books '.split(' ');

function text(seed: number): string {
  let state = seed * 7919 + 1;
  const next = () => Math.floor((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 65_536);
  let out = '';
  while (out.length < 4_000) {
    const roll = next() % 20;
    const piece =
      roll === 0
        ? FINDINGS[next() % FINDINGS.length]!
        : roll < 3
          ? NEAR_MISSES[next() % NEAR_MISSES.length]!
          : FILLER[next() % FILLER.length]!;
    // Glue some pieces to their neighbours so windows start and end inside words.
    out += piece + (next() % 9 === 0 ? '' : next() % 7 === 0 ? '\n' : ' ');
  }
  return out.slice(0, 4_000);
}

describe('lexicon', () => {
  test('the compiled scan finds exactly what obscenity finds, on 120 long texts', () => {
    let hits = 0;
    for (let seed = 0; seed < 120; seed++) {
      const sample = text(seed);
      const expected = reference.scan(sample);
      expect(compiled.scan(sample)).toEqual(expected);
      hits += expected.length;
    }
    // The corpus really exercises both outcomes.
    expect(hits).toBeGreaterThan(300);
  });

  test('whitelisted words next to real findings are still excluded', () => {
    expect(compiled.scan('assez fuck assez')).toEqual([{ word: 'fuck', category: 'profanity' }]);
    expect(compiled.scan('shitake shit shitake')).toEqual([{ word: 'shit', category: 'profanity' }]);
  });
});
