import {
  DataSet,
  englishDataset,
  englishRecommendedTransformers,
  pattern,
  RegExpMatcher,
  type MatchPayload,
  type PhraseContainer,
} from 'obscenity';
import { createCompiledMatcher } from './compiled-matcher.js';
import { FRENCH_CATEGORIES, frenchDataset, type LexiconMetadata } from './french.js';
import { mayHaveSpacedLetters, NON_LETTERS, SPACED_LETTERS } from './spaced-letters.js';

export type LexicalCategory = 'hate' | 'sexual' | 'profanity';

/** Which category each phrase of obscenity's English preset counts as (keyed by `originalWord`). */
const ENGLISH_CATEGORIES: Record<string, LexicalCategory> = {
  abeed: 'hate',
  africoon: 'hate',
  arabush: 'hate',
  boonga: 'hate',
  chingchong: 'hate',
  chink: 'hate',
  dyke: 'hate',
  fag: 'hate',
  kike: 'hate',
  negro: 'hate',
  nigger: 'hate',
  retard: 'hate',
  spastic: 'hate',
  tranny: 'hate',
  anal: 'sexual',
  anus: 'sexual',
  bestiality: 'sexual',
  blowjob: 'sexual',
  boob: 'sexual',
  buttplug: 'sexual',
  cock: 'sexual',
  cum: 'sexual',
  deepthroat: 'sexual',
  dildo: 'sexual',
  doggystyle: 'sexual',
  'double penetration': 'sexual',
  ejaculate: 'sexual',
  felch: 'sexual',
  fellatio: 'sexual',
  'finger bang': 'sexual',
  fisting: 'sexual',
  gangbang: 'sexual',
  handjob: 'sexual',
  hentai: 'sexual',
  incest: 'sexual',
  'jerk off': 'sexual',
  jizz: 'sexual',
  lubejob: 'sexual',
  masturbate: 'sexual',
  orgasm: 'sexual',
  orgy: 'sexual',
  penis: 'sexual',
  porn: 'sexual',
  pussy: 'sexual',
  rape: 'sexual',
  scat: 'sexual',
  semen: 'sexual',
  sex: 'sexual',
  tit: 'sexual',
  vagina: 'sexual',
  // Everything else in the preset (fuck, shit, bitch, cunt, …) is profanity; so is `abo`, a slur
  // in Australia but everyday French for a subscription ("mon abo").
};

/** Replaces one preset phrase by a copy changed by `edit` (the DataSet API has no in-place edit). */
function rework(
  dataset: DataSet<LexiconMetadata>,
  word: string,
  edit: (phrase: PhraseContainer<LexiconMetadata>) => {
    patterns?: PhraseContainer<LexiconMetadata>['patterns'];
    whitelist?: string[];
  },
): DataSet<LexiconMetadata> {
  let found: PhraseContainer<LexiconMetadata> | undefined;
  dataset.removePhrasesIf((phrase) => {
    if (phrase.metadata?.originalWord !== word) return false;
    found = phrase;
    return true;
  });
  if (!found) throw new Error(`obscenity's English preset has no phrase "${word}"`);
  const { patterns = found.patterns, whitelist = found.whitelistedTerms } = edit(found);
  return dataset.addPhrase((builder) => {
    builder.setMetadata(found!.metadata);
    for (const parsed of patterns) builder.addPattern(parsed);
    for (const term of whitelist) builder.addWhitelistedTerm(term);
    return builder;
  });
}

/**
 * English preset + French list in one dataset, so one pass of the transformers and one set of
 * regular expressions covers both languages. Two English phrases misfire on everyday French and
 * are narrowed: `ass` (assez, assurer, association) and `retard` (French for "delay"), which keeps
 * only its English insult forms. `rape` also matches French râpé (grated), whitelisted.
 */
function buildDataset(): DataSet<LexiconMetadata> {
  const dataset = new DataSet<LexiconMetadata>().addAll(englishDataset).addAll(frenchDataset);
  rework(dataset, 'ass', (phrase) => ({ whitelist: [...phrase.whitelistedTerms, 'assez', 'assu', 'asso'] }));
  rework(dataset, 'retard', () => ({
    patterns: [pattern`|retarded`, pattern`|you retard`, pattern`|u retard`, pattern`|ur retard`],
    whitelist: [],
  }));
  rework(dataset, 'rape', (phrase) => ({
    whitelist: [...phrase.whitelistedTerms, 'râpé', 'râpe', 'râper', 'rapé', 'râpée', 'rapée'],
  }));
  return dataset;
}

export interface LexicalHit {
  word: string;
  category: LexicalCategory;
}

export interface Lexicon {
  /** Every match, in text order (a word written twice counts twice, once per place). */
  scan(text: string): LexicalHit[];
}

/**
 * `compiled` (the default) is one normalisation pass and one automaton (compiled-matcher.ts);
 * `obscenity` is obscenity's own RegExpMatcher, the reference the compiled one must equal.
 */
export function createLexicon({ matcher = 'compiled' }: { matcher?: 'compiled' | 'obscenity' } = {}): Lexicon {
  const dataset = buildDataset();
  const options = { ...dataset.build(), ...englishRecommendedTransformers };
  const compiled = matcher === 'compiled' ? createCompiledMatcher(options) : undefined;
  const reference = matcher === 'obscenity' ? new RegExpMatcher(options) : undefined;
  const categoryOf = (word: string): LexicalCategory =>
    ENGLISH_CATEGORIES[word] ?? FRENCH_CATEGORIES[word] ?? 'profanity';
  const confirmed = (text: string): MatchPayload[] =>
    compiled ? compiled.getAllMatches(text) : reference!.getAllMatches(text, true);

  const matchesIn = (text: string, hits: LexicalHit[]) => {
    // Several patterns of one phrase can cover the same letters (`|shit` and `shit|`): count them once.
    const lastEnd = new Map<string, number>();
    for (const match of confirmed(text)) {
      const word = dataset.getPayloadWithPhraseMetadata(match).phraseMetadata?.originalWord ?? 'unknown';
      if ((lastEnd.get(word) ?? -1) >= match.startIndex) continue;
      lastEnd.set(word, match.endIndex);
      hits.push({ word, category: categoryOf(word) });
    }
  };

  return {
    scan(text) {
      const hits: LexicalHit[] = [];
      if (text.length === 0) return hits;
      matchesIn(text, hits);
      if (mayHaveSpacedLetters(text)) {
        for (const [run] of text.matchAll(SPACED_LETTERS)) matchesIn(run.replace(NON_LETTERS, ''), hits);
      }
      return hits;
    },
  };
}
