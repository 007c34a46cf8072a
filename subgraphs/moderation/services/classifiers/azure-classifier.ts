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

export const AZURE_API_VERSION = '2024-09-01';
export const AZURE_CATEGORIES = ['Hate', 'SelfHarm', 'Sexual', 'Violence'] as const;
/** text:analyze takes at most 10,000 characters; longer texts are sent in pieces, the worst piece counts. */
export const AZURE_MAX_TEXT_CHARS = 10_000;
/** image:analyze takes at most 4 MB of image. */
export const AZURE_MAX_IMAGE_BYTES = 4 * 1024 * 1024;
const AZURE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export interface AzureClassifierOptions {
  /** `https://<resource>.cognitiveservices.azure.com`, no trailing slash needed. */
  endpoint: string;
  key: string;
}

/**
 * Azure severity (FourSeverityLevels: 0, 2, 4, 6; EightSeverityLevels 0–7 handled too) → how
 * unsafe, in [0,1]: 0.2 per level up to 4, then 0.1 per level: 0 → 0, 2 → 0.4, 4 → 0.8, 6 → 1.
 */
export function severityScore(severity: number): number {
  return clamp01(severity <= 4 ? 0.2 * severity : 0.8 + 0.1 * (severity - 4));
}

interface AnalyzeResponse {
  categoriesAnalysis: { category: string; severity: number }[];
}

function parseAnalysis(body: unknown): AnalyzeResponse {
  const list = (body as { categoriesAnalysis?: unknown } | null)?.categoriesAnalysis;
  if (
    !Array.isArray(list) ||
    !list.every(
      (entry) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof entry.category === 'string' &&
        typeof entry.severity === 'number' &&
        Number.isFinite(entry.severity),
    )
  ) {
    throw new ProviderError('malformed', 'Azure Content Safety sent an answer without categoriesAnalysis');
  }
  return { categoriesAnalysis: list };
}

/** Azure AI Content Safety over its REST API (text:analyze, image:analyze). Throws ProviderError. */
export function createAzureClassifier(options: AzureClassifierOptions): Classifier {
  const base = options.endpoint.replace(/\/+$/, '');

  async function analyze(what: 'text' | 'image', body: object, signal?: AbortSignal): Promise<AnalyzeResponse> {
    let response: Response;
    try {
      response = await fetch(`${base}/contentsafety/${what}:analyze?api-version=${AZURE_API_VERSION}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Ocp-Apim-Subscription-Key': options.key },
        body: JSON.stringify({ ...body, categories: AZURE_CATEGORIES, outputType: 'FourSeverityLevels' }),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw new ProviderError('cancelled', 'the Azure request was aborted');
      throw new ProviderError('connection', `could not reach Azure Content Safety: ${(error as Error).message}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new ProviderError(signal?.aborted ? 'cancelled' : 'connection', 'the Azure answer was cut off');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const code = (parsed as { error?: { code?: unknown } } | undefined)?.error?.code;
      throw new ProviderError(
        `http_${response.status}`,
        `Azure Content Safety: HTTP ${response.status}${safeCode(code)}`,
      );
    }
    if (parsed === undefined) throw new ProviderError('malformed', 'Azure Content Safety sent a body that is not JSON');
    return parseAnalysis(parsed);
  }

  const toClassification = (answers: AnalyzeResponse[], started: number, judged = true): Classification => {
    // The worst severity of each category across pieces.
    const worst = new Map<string, number>();
    for (const answer of answers) {
      for (const { category, severity } of answer.categoriesAnalysis) {
        worst.set(category, Math.max(worst.get(category) ?? 0, severity));
      }
    }
    const categories: CategoryScore[] = [...worst].map(([category, severity]) => ({
      category,
      score: severityScore(severity),
    }));
    const reasons = [...worst].filter(([, severity]) => severity > 0).map(([c, s]) => `azure: ${c} severity ${s}`);
    return {
      confidence: confidenceFrom(categories),
      categories,
      provider: 'azure',
      fallback: false,
      reasons,
      judged,
      latencyMs: performance.now() - started,
    };
  };

  async function classifyMedia(content: MediaContent, signal?: AbortSignal): Promise<Classification> {
    const started = performance.now();
    const unjudged = (reason: string): Classification => ({
      confidence: 0.5,
      categories: [],
      provider: 'azure',
      fallback: false,
      reasons: [`azure: ${reason}`],
      judged: false,
      latencyMs: performance.now() - started,
    });
    if (content.type !== 'IMAGE') return unjudged(`cannot judge ${content.type} content`);
    if (!AZURE_IMAGE_TYPES.has(content.mimeType)) return unjudged(`cannot judge ${content.mimeType} images`);
    if (content.bytes) {
      if (content.bytes.length > AZURE_MAX_IMAGE_BYTES) return unjudged('image over its 4 MB limit');
      const image = { content: Buffer.from(content.bytes).toString('base64') };
      return toClassification([await analyze('image', { image }, signal)], started);
    }
    // Without the bytes Azure can only fetch from Azure Blob Storage (with its own access).
    if (new URL(content.url).hostname.endsWith('.blob.core.windows.net')) {
      return toClassification([await analyze('image', { image: { blobUrl: content.url } }, signal)], started);
    }
    return unjudged('no bytes and not an Azure Blob Storage URL');
  }

  return {
    name: 'azure',
    async classify(content: ModerationContent, signal?: AbortSignal): Promise<Classification> {
      if (isMedia(content)) return classifyMedia(content, signal);
      const started = performance.now();
      const text = textOf(content);
      const pieces: string[] = [];
      for (let at = 0; at < text.length; at += AZURE_MAX_TEXT_CHARS)
        pieces.push(text.slice(at, at + AZURE_MAX_TEXT_CHARS));
      // Empty text: nothing to judge, nothing unsafe (Azure rejects an empty text with 400).
      if (pieces.length === 0) return toClassification([], started);
      return toClassification(
        await Promise.all(pieces.map((piece) => analyze('text', { text: piece }, signal))),
        started,
      );
    },
  };
}
