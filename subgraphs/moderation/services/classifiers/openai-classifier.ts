import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ModerationCreateParams, ModerationMultiModalInput } from 'openai/resources/moderations';
import { clamp01, confidenceFrom } from '../../../../platform/content-safety/decide.js';
import { isMedia, textOf } from '../../../../platform/content-safety/content.js';
import { ProviderError, safeCode } from './provider-error.js';
import type {
  CategoryScore,
  Classification,
  Classifier,
  MediaContent,
  ModerationContent,
} from '../../../../platform/content-safety/types.js';

/** Images OpenAI's omni moderation reads; larger files are sent by URL instead of inline. */
const OPENAI_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const OPENAI_MAX_INLINE_IMAGE_BYTES = 20 * 1024 * 1024;
/** A result OpenAI flags is never more than this safe, whatever its scores. */
export const FLAGGED_CONFIDENCE_CAP = 0.5;

export interface OpenAiClassifierOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint; the SDK's default when absent. */
  baseURL?: string;
  model?: string;
  /** Per attempt; the caller's deadline (signal) bounds the whole call. */
  timeoutMs?: number;
  /** SDK retries (429, 5xx, connection), inside the caller's deadline. */
  maxRetries?: number;
}

interface ModerationResult {
  flagged: boolean;
  category_scores: Record<string, number>;
}

function parseResults(body: unknown): ModerationResult[] {
  const results = (body as { results?: unknown } | null)?.results;
  const valid =
    Array.isArray(results) &&
    results.length > 0 &&
    results.every((result) => {
      const scores = (result as { category_scores?: unknown } | null)?.category_scores;
      return (
        typeof scores === 'object' &&
        scores !== null &&
        Object.values(scores).every((score) => typeof score === 'number' && Number.isFinite(score))
      );
    });
  if (!valid) throw new ProviderError('malformed', 'OpenAI moderation sent an answer without results and scores');
  return results as ModerationResult[];
}

/** OpenAI's moderation endpoint through the official SDK. Throws ProviderError. */
export function createOpenAiClassifier(options: OpenAiClassifierOptions): Classifier {
  const model = options.model ?? 'omni-moderation-latest';
  const client = new OpenAI({
    apiKey: options.apiKey,
    // null, not undefined: the SDK would otherwise read OPENAI_BASE_URL itself, past our settings.
    baseURL: options.baseURL ?? null,
    maxRetries: options.maxRetries ?? 1,
    timeout: options.timeoutMs ?? 10_000,
    logLevel: 'off',
  });

  async function moderate(input: ModerationCreateParams['input'], signal?: AbortSignal): Promise<ModerationResult[]> {
    try {
      // The SDK types the answer; a server may still send anything, so it is checked again.
      const response: unknown = await client.moderations.create({ model, input }, { signal });
      return parseResults(response);
    } catch (error) {
      throw classify(error, signal);
    }
  }

  const toClassification = (results: ModerationResult[], started: number): Classification => {
    const worst = new Map<string, number>();
    for (const result of results) {
      for (const [category, score] of Object.entries(result.category_scores)) {
        worst.set(category, Math.max(worst.get(category) ?? 0, clamp01(score)));
      }
    }
    const categories: CategoryScore[] = [...worst].map(([category, score]) => ({ category, score }));
    const flagged = results.some((result) => result.flagged === true);
    let confidence = confidenceFrom(categories);
    if (flagged) confidence = Math.min(confidence, FLAGGED_CONFIDENCE_CAP);
    const top = categories
      .filter((c) => c.score >= 0.1)
      .sort((a, b) => b.score - a.score)
      .slice(0, 3)
      .map((c) => `${c.category} ${c.score.toFixed(2)}`);
    const reasons = [...(flagged ? ['openai: flagged'] : []), ...(top.length ? [`openai: ${top.join(', ')}`] : [])];
    return {
      confidence,
      categories,
      provider: 'openai',
      fallback: false,
      reasons,
      judged: true,
      latencyMs: performance.now() - started,
    };
  };

  function imageInput(content: MediaContent): ModerationMultiModalInput[] | undefined {
    if (content.type !== 'IMAGE' || !OPENAI_IMAGE_TYPES.has(content.mimeType)) return undefined;
    const url =
      content.bytes && content.bytes.length <= OPENAI_MAX_INLINE_IMAGE_BYTES
        ? `data:${content.mimeType};base64,${Buffer.from(content.bytes).toString('base64')}`
        : content.url;
    return [{ type: 'image_url', image_url: { url } }];
  }

  return {
    name: 'openai',
    async classify(content: ModerationContent, signal?: AbortSignal): Promise<Classification> {
      const started = performance.now();
      if (isMedia(content)) {
        const input = imageInput(content);
        if (!input) {
          return {
            confidence: 0.5,
            categories: [],
            provider: 'openai',
            fallback: false,
            reasons: [`openai: cannot judge ${content.type === 'IMAGE' ? content.mimeType : content.type} content`],
            judged: false,
            latencyMs: performance.now() - started,
          };
        }
        return toClassification(await moderate(input, signal), started);
      }
      const text = textOf(content);
      if (text.trim() === '') return toClassification([{ flagged: false, category_scores: {} }], started);
      return toClassification(await moderate(text, signal), started);
    },
  };
}

/** Short, secret-free reasons: upstream error texts can echo parts of the API key. */
function classify(error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIUserAbortError || signal?.aborted)
    return new ProviderError('cancelled', 'the OpenAI request was aborted');
  if (error instanceof APIConnectionTimeoutError)
    return new ProviderError('timeout', 'OpenAI moderation did not answer');
  if (error instanceof APIConnectionError) return new ProviderError('connection', 'could not reach OpenAI moderation');
  if (error instanceof APIError && error.status) {
    return new ProviderError(
      `http_${error.status}`,
      `OpenAI moderation: HTTP ${error.status}${safeCode(error.code ?? error.type)}`,
    );
  }
  return new ProviderError('malformed', 'OpenAI moderation sent an answer that could not be read');
}
