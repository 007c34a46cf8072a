import { confidenceFrom } from './decide.js';
import { isMedia, textOf } from './content.js';
import { createLexicon, type LexicalCategory, type LexicalHit } from './local/lexicon.js';
import { repetitionAndLengthRules, spamRule, type LengthLimits } from './local/rules.js';
import type { CategoryScore, Classification, Classifier, ModerationContent, TextContentType } from './types.js';

/** Longest text per content type before it goes to review (MESSAGE matches MESSAGE_MAX_CHARS' default). */
export const DEFAULT_LENGTH_LIMITS: Record<TextContentType, LengthLimits> = {
  MESSAGE: { maxChars: 4_000, maxTokenChars: 120 },
  COMPANION: { maxChars: 6_000, maxTokenChars: 120 },
  USER_PROFILE: { maxChars: 1_200, maxTokenChars: 120 },
};

export interface LocalClassifierOptions {
  lengthLimits?: Partial<Record<TextContentType, LengthLimits>>;
}

/** How unsafe `count` matches of a category are: a slur is enough; swearing alone never auto-rejects. */
export function lexicalScore(category: LexicalCategory, count: number): number {
  if (count === 0) return 0;
  switch (category) {
    case 'hate':
      return count === 1 ? 0.85 : 0.95;
    case 'sexual':
      return Math.min(0.65, 0.35 + 0.1 * (count - 1));
    case 'profanity':
      return Math.min(0.65, 0.15 + 0.15 * (count - 1));
  }
}

export interface LocalClassifier extends Classifier {
  /** The same judgement, synchronously, on plain text (the benchmark and the fallback path use it). */
  classifyText(text: string, type?: TextContentType): Omit<Classification, 'latencyMs'>;
}

/**
 * The default classifier and the fallback of the remote ones: obscenity (English preset + a
 * French list) for profanity, sexual terms and slurs with their obfuscated spellings, plus spam,
 * repetition and length rules. Text only: media get `judged: false`.
 */
export function createLocalClassifier(options: LocalClassifierOptions = {}): LocalClassifier {
  const lexicon = createLexicon();
  const limits = { ...DEFAULT_LENGTH_LIMITS, ...options.lengthLimits };

  function classifyText(text: string, type: TextContentType = 'MESSAGE'): Omit<Classification, 'latencyMs'> {
    const categories: CategoryScore[] = [];
    const reasons: string[] = [];

    const hits = lexicon.scan(text);
    if (hits.length > 0) {
      const byCategory = new Map<LexicalCategory, LexicalHit[]>();
      for (const hit of hits) byCategory.set(hit.category, [...(byCategory.get(hit.category) ?? []), hit]);
      for (const [category, list] of byCategory) {
        categories.push({ category, score: lexicalScore(category, list.length) });
        const words = [...new Set(list.map((hit) => hit.word))];
        reasons.push(`${category}: ${list.length} match${list.length > 1 ? 'es' : ''} (${words.join(', ')})`);
      }
    }
    // Repetition and length share one pass over the text.
    const { repetition, length } = repetitionAndLengthRules(text, limits[type]);
    for (const [category, result] of [
      ['spam', spamRule(text)],
      ['repetition', repetition],
      ['length', length],
    ] as const) {
      if (result.score <= 0) continue;
      categories.push({ category, score: result.score });
      reasons.push(...result.reasons.map((reason) => `${category}: ${reason}`));
    }
    return {
      confidence: confidenceFrom(categories),
      categories,
      provider: 'local',
      fallback: false,
      reasons,
      judged: true,
    };
  }

  return {
    name: 'local',
    classifyText,
    async classify(content: ModerationContent): Promise<Classification> {
      const started = performance.now();
      if (isMedia(content)) {
        return {
          confidence: 0.5,
          categories: [],
          provider: 'local',
          fallback: false,
          reasons: [`the local classifier cannot judge ${content.type} content`],
          judged: false,
          latencyMs: performance.now() - started,
        };
      }
      return { ...classifyText(textOf(content), content.type), latencyMs: performance.now() - started };
    },
  };
}
