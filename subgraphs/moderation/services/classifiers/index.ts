import type { Logger } from '../../../../platform/logger.js';

/**
 * PLACEHOLDER, replaced at merge by the classifiers branch (local obscenity, Azure Content
 * Safety, OpenAI moderation, media checks). Same API; a tiny word-list heuristic here.
 */
export interface ContentToClassify {
  contentType: 'MESSAGE' | 'COMPANION' | 'USER_PROFILE' | 'IMAGE' | 'AUDIO' | 'VIDEO';
  text?: string;
  media?: { url: string; mimeType: string; size: number; sha256: string; bytes?: Buffer };
}

export interface Classification {
  /** Safety confidence in [0, 1]; null: cannot judge → human queue. */
  confidence: number | null;
  categories: { category: string; score: number }[];
  provider: string;
  fallback: boolean;
  reasons: string[];
  latencyMs: number;
}

export interface ContentClassifier {
  classify(content: ContentToClassify): Promise<Classification>;
}

const HARMFUL = ['kill yourself', 'idiot', 'scam link'];
const DOUBTFUL = ['stupid', 'weapon', 'hate'];

export function createClassifier(_config: Record<string, string | undefined>, _logger: Logger): ContentClassifier {
  return {
    async classify(content) {
      const started = performance.now();
      const text = content.text?.toLowerCase();
      const result = (confidence: number | null, category: string, score: number, reasons: string[]) => ({
        confidence,
        categories: score > 0 ? [{ category, score }] : [],
        provider: 'local',
        fallback: false,
        reasons,
        latencyMs: performance.now() - started,
      });
      if (text === undefined) return result(null, 'unknown', 0, ['no text to judge']);
      const harmful = HARMFUL.filter((word) => text.includes(word));
      if (harmful.length) return result(0.1, 'harassment', 0.9, harmful);
      const doubtful = DOUBTFUL.filter((word) => text.includes(word));
      if (doubtful.length) return result(0.5, 'harassment', 0.5, doubtful);
      return result(0.95, 'harassment', 0, []);
    },
  };
}

/** Exact edges: confidence ≥ autoApprove → APPROVE, < autoReject → REJECT, otherwise (or null) REVIEW. */
export function decide(
  confidence: number | null,
  t: { autoApprove: number; autoReject: number },
): 'APPROVE' | 'REJECT' | 'REVIEW' {
  if (confidence === null) return 'REVIEW';
  if (confidence >= t.autoApprove) return 'APPROVE';
  if (confidence < t.autoReject) return 'REJECT';
  return 'REVIEW';
}
