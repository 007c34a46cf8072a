import {
  assignIncrementingIds,
  englishDataset,
  englishRecommendedTransformers,
  pattern,
  RegExpMatcher,
  type MatchPayload,
} from 'obscenity';
import { createCompiledMatcher, type CompiledMatcherOptions } from './compiled-matcher.js';

const preset: CompiledMatcherOptions = { ...englishDataset.build(), ...englishRecommendedTransformers };
const compiled = createCompiledMatcher(preset);
const reference = new RegExpMatcher(preset);

/** Pieces that exercise every transformer: leetspeak, confusables, case, doubled letters, surrogates, whitelist. */
const PIECES = [
  'fuck',
  'FuCk',
  'fuuuuuck',
  'sh1t',
  '$hit',
  'ｆｕｃｋ',
  '𝐟𝐮𝐜𝐤',
  'b1tch',
  'a$$',
  'assassin',
  'pen is',
  'pen  is',
  'penis',
  'Scunthorpe',
  'shitake',
  'cocktail',
  'n1gg3r',
  'niiiggger',
  'orgasm',
  'gasm',
  'bo0bs',
  'f u c k',
  'f.u.c.k',
  '😀',
  '\ud800',
  '\udc00x',
  'é',
  '\n',
  '  ',
  'the',
  'river',
  'tit',
  'title',
  'analysis',
  'grape',
  'rape',
];

function sample(seed: number, length: number): string {
  let state = seed * 7919 + 3;
  const next = () => Math.floor((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 65_536);
  let out = '';
  while (out.length < length) {
    const piece = PIECES[next() % PIECES.length]!;
    out += piece + (next() % 3 === 0 ? '' : next() % 5 === 0 ? '\n' : ' ');
  }
  return out.slice(0, length);
}

const same = (text: string, options = preset, matcher = compiled) =>
  expect(matcher.getAllMatches(text)).toEqual<MatchPayload[]>(new RegExpMatcher(options).getAllMatches(text, true));

describe('compiled matcher', () => {
  test('finds exactly what obscenity finds, on 2,000 texts of every length', () => {
    let found = 0;
    for (let seed = 0; seed < 2_000; seed++) {
      const text = sample(seed, 1 + (seed % 400));
      const expected = reference.getAllMatches(text, true);
      expect(compiled.getAllMatches(text)).toEqual(expected);
      found += expected.length;
    }
    expect(found).toBeGreaterThan(2_000);
  });

  test('agrees on the edges: empty text, a lone surrogate last, a match ending on an emoji', () => {
    for (const text of ['', '\ud83d', 'fuck\ud83d', 'fuc😀k', 'fuck😀', 'a', 'ass', 'pen is', 'PEN IS']) same(text);
  });

  test('a term with no fixed letters (only wildcards and optionals) is always tried', () => {
    const options: CompiledMatcherOptions = {
      blacklistedTerms: assignIncrementingIds([pattern`?[a]?`, pattern`|x?z|`, pattern`abc`]),
      whitelistedTerms: ['xyz'],
    };
    const matcher = createCompiledMatcher(options);
    for (const text of ['', 'q', 'xyz xaz', 'abcabc', 'a b c']) same(text, options, matcher);
  });
});
