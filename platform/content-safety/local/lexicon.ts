import {
  DataSet,
  englishDataset,
  englishRecommendedTransformers,
  pattern,
  RegExpMatcher,
  type MatchPayload,
  type PhraseContainer,
} from 'obscenity';
import { FRENCH_CATEGORIES, frenchDataset, type LexiconMetadata } from './french.js';

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
 * Single letters split by separators ("f.u.c.k", "p u t a i n"): at least three letters, each
 * standing alone. The preset leaves obscenity's skip-non-alphabetic transformer off because it
 * glues ordinary words together ("an al…"); squashing only these runs keeps that benefit.
 */
const SPACED_LETTERS = /(?<![\p{L}\p{N}])\p{L}(?:[^\p{L}\p{N}\n]{1,3}\p{L}(?![\p{L}\p{N}])){2,}/gu;
const NON_LETTERS = /[^\p{L}]+/gu;

/**
 * Two matchers over one dataset. The screen has the blacklisted patterns but no whitelist, so it
 * skips obscenity's second per-character pass (about a third of its time on 4,000 characters).
 * Whitelisted terms can only remove matches, so a text the screen finds clean is clean. Each
 * candidate it finds is confirmed by the full matcher on a window around it, wide enough for any
 * whitelisted term that could overlap it; only candidates found again at the same place count.
 */
export function createLexicon({ screened = true }: { screened?: boolean } = {}): Lexicon {
  const dataset = buildDataset();
  const built = dataset.build();
  const full = new RegExpMatcher({ ...built, ...englishRecommendedTransformers });
  const screen = new RegExpMatcher({
    blacklistedTerms: built.blacklistedTerms,
    blacklistMatcherTransformers: englishRecommendedTransformers.blacklistMatcherTransformers,
  });
  const margin = 16 + Math.max(0, ...(built.whitelistedTerms ?? []).map((term) => term.length));
  const categoryOf = (word: string): LexicalCategory =>
    ENGLISH_CATEGORIES[word] ?? FRENCH_CATEGORIES[word] ?? 'profanity';

  /** The full matcher's matches among the screen's candidates, in original-text positions. */
  const confirmed = (text: string): MatchPayload[] => {
    if (!screened) return full.getAllMatches(text, true);
    const candidates = screen.getAllMatches(text, true);
    if (candidates.length === 0) return candidates;
    const key = (m: MatchPayload, shift = 0) => `${m.termId}:${m.startIndex + shift}:${m.endIndex + shift}`;
    const wanted = new Set(candidates.map((m) => key(m)));
    const result: MatchPayload[] = [];
    let index = 0;
    while (index < candidates.length) {
      // One window per cluster of nearby candidates, widened to whitespace so words stay whole.
      let start = Math.max(0, candidates[index]!.startIndex - margin);
      let end = Math.min(text.length, candidates[index]!.endIndex + 1 + margin);
      while (++index < candidates.length && candidates[index]!.startIndex - margin <= end) {
        end = Math.min(text.length, Math.max(end, candidates[index]!.endIndex + 1 + margin));
      }
      while (start > 0 && !/\s/.test(text[start - 1]!)) start--;
      while (end < text.length && !/\s/.test(text[end]!)) end++;
      for (const match of full.getAllMatches(text.slice(start, end), true)) {
        if (wanted.has(key(match, start))) {
          result.push({ ...match, startIndex: match.startIndex + start, endIndex: match.endIndex + start });
        }
      }
    }
    return result;
  };

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
      for (const [run] of text.matchAll(SPACED_LETTERS)) matchesIn(run.replace(NON_LETTERS, ''), hits);
      return hits;
    },
  };
}
