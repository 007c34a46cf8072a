import type { Logger } from '../../../../platform/logger.js';
import { createAzureClassifier } from './azure-classifier.js';
import { assertValidContent, isMedia, textOf } from '../../../../platform/content-safety/content.js';
import { confidenceFrom, decideClassification } from '../../../../platform/content-safety/decide.js';
import {
  createLocalClassifier,
  type LocalClassifier,
  type LocalClassifierOptions,
} from '../../../../platform/content-safety/local-classifier.js';
import { checkMedia } from './media.js';
import { createOpenAiClassifier } from './openai-classifier.js';
import { ProviderError } from './provider-error.js';
import type { ClassifierSettings } from './settings.js';
import type {
  Classification,
  Classifier,
  Decision,
  MediaContent,
  ModerationContent,
  ProviderName,
} from '../../../../platform/content-safety/types.js';

export interface ModerationVerdict extends Classification {
  /** The automatic decision under the configured thresholds. */
  decision: Decision;
}

export interface ModerationClassifier {
  /** The configured provider (`local` when no remote one is set). */
  readonly provider: ProviderName;
  /**
   * Judges one piece of content. Never throws for a provider failure (the local classifier
   * answers, `fallback: true`); throws AppError BAD_USER_INPUT for malformed content.
   */
  classify(content: ModerationContent, signal?: AbortSignal): Promise<ModerationVerdict>;
}

export interface ModerationClassifierOptions {
  logger?: Logger;
  local?: LocalClassifierOptions;
  /** Replaces the remote classifier the settings name (tests, or a provider built elsewhere). */
  remote?: Classifier;
}

/** Categories of the local rules that remote providers do not cover; they apply on top of a remote answer. */
const LOCAL_RULE_CATEGORIES = new Set(['spam', 'repetition', 'length']);

function remoteFor(settings: ClassifierSettings): Classifier | undefined {
  if (settings.provider === 'azure' && settings.azure) return createAzureClassifier(settings.azure);
  if (settings.provider === 'openai' && settings.openai) {
    // The SDK's own timeout is only a backstop: the deadline in askRemote decides, and names it.
    return createOpenAiClassifier({ ...settings.openai, timeoutMs: settings.timeoutMs + 1_000 });
  }
  return undefined;
}

/**
 * The one entry point the moderation subgraph calls. Text: the local classifier always runs
 * (well under a millisecond); with a remote provider configured, its harm categories are combined
 * with the local spam, repetition and length rules, and any remote failure or timeout falls back
 * to the local answer. Media: blocklist, size and type checks first; then the remote provider if
 * it can judge the file; anything nobody could judge goes to review, never approved.
 */
export function createModerationClassifier(
  settings: ClassifierSettings,
  options: ModerationClassifierOptions = {},
): ModerationClassifier {
  const { logger } = options;
  const local: LocalClassifier = createLocalClassifier(options.local);
  const remote = options.remote ?? remoteFor(settings);
  const { thresholds } = settings;
  // Unjudged content sits in the middle of the review band, so even `decide(confidence)` alone says REVIEW.
  const reviewConfidence = (thresholds.autoApprove + thresholds.autoReject) / 2;

  const verdict = (result: Classification, started: number): ModerationVerdict => {
    const final = result.judged ? result : { ...result, confidence: reviewConfidence };
    return { ...final, latencyMs: performance.now() - started, decision: decideClassification(final, thresholds) };
  };

  /** The remote answer within the deadline, or the reason it failed. */
  async function askRemote(
    classifier: Classifier,
    content: ModerationContent,
    signal?: AbortSignal,
  ): Promise<Classification | ProviderError> {
    const deadline = AbortSignal.timeout(settings.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    // The SDK's retry back-off does not listen to the signal: the race settles the deadline anyway.
    const aborted = new Promise<never>((_, reject) => {
      const fire = () => reject(new ProviderError('cancelled', 'aborted'));
      if (combined.aborted) fire();
      else combined.addEventListener('abort', fire, { once: true });
    });
    aborted.catch(() => {});
    const started = performance.now();
    try {
      return await Promise.race([classifier.classify(content, combined), aborted]);
    } catch (error) {
      const failure =
        deadline.aborted && !signal?.aborted
          ? new ProviderError('timeout', `no answer within ${settings.timeoutMs} ms`)
          : error instanceof ProviderError
            ? error
            : new ProviderError('error', (error as Error)?.message ?? String(error));
      logger?.warn(
        {
          provider: classifier.name,
          reason: failure.reason,
          ms: Math.round(performance.now() - started),
          type: content.type,
        },
        `moderation provider ${classifier.name} failed (${failure.message}); falling back to the local classifier`,
      );
      return failure;
    }
  }

  async function classifyMedia(content: MediaContent, started: number, signal?: AbortSignal) {
    const check = await checkMedia(content, settings.media);
    if (!check.ok) {
      return verdict(
        {
          confidence: 0,
          categories: [check.category],
          provider: 'local',
          fallback: false,
          reasons: check.reasons,
          judged: true,
          latencyMs: 0,
        },
        started,
      );
    }
    const checked: MediaContent = { ...content, mimeType: check.mimeType };
    if (!remote) return verdict(withReasons(await local.classify(checked), check.reasons), started);
    const answer = await askRemote(remote, checked, signal);
    if (answer instanceof ProviderError) {
      const fallback = await local.classify(checked);
      return verdict(
        withReasons({ ...fallback, fallback: true, fallbackReason: answer.reason }, check.reasons),
        started,
      );
    }
    return verdict(withReasons(answer, check.reasons), started);
  }

  return {
    provider: remote?.name ?? 'local',
    async classify(content, signal) {
      assertValidContent(content);
      const started = performance.now();
      if (isMedia(content)) return classifyMedia(content, started, signal);

      const localResult = { ...local.classifyText(textOf(content), content.type), latencyMs: 0 };
      if (!remote) return verdict(localResult, started);
      const answer = await askRemote(remote, content, signal);
      if (answer instanceof ProviderError) {
        return verdict({ ...localResult, fallback: true, fallbackReason: answer.reason }, started);
      }
      // Remote harm categories, plus the local rules the remote service has no notion of.
      const rules = localResult.categories.filter((c) => LOCAL_RULE_CATEGORIES.has(c.category));
      const ruleReasons = localResult.reasons.filter((r) => LOCAL_RULE_CATEGORIES.has(r.split(':')[0]!));
      return verdict(
        {
          ...answer,
          confidence: Math.min(answer.confidence, confidenceFrom(rules)),
          categories: [...answer.categories, ...rules],
          reasons: [...answer.reasons, ...ruleReasons],
        },
        started,
      );
    },
  };
}

function withReasons(result: Classification, reasons: string[]): Classification {
  return reasons.length ? { ...result, reasons: [...reasons, ...result.reasons] } : result;
}
