import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AppError } from '../../../../platform/errors.js';
import { ContentSafetyTestServer } from '../../../../tests/support/content-safety-server.js';
import { OpenAiModerationTestServer } from '../../../../tests/support/openai-moderation-server.js';
import { createModerationClassifier } from './moderation-classifier.js';
import { parseClassifierSettings } from './settings.js';
import { media, SAMPLES, sha256 } from './testing/media-samples.js';
import type { ModerationContent } from '../../../../platform/content-safety/types.js';

const azure = new ContentSafetyTestServer();
const openai = new OpenAiModerationTestServer();
beforeAll(async () => {
  await azure.start();
  await openai.start();
});
afterAll(async () => {
  await azure.stop();
  await openai.stop();
});
beforeEach(() => {
  azure.reset();
  openai.reset();
});

/** A pino logger whose lines the test can read. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

/** Short, for the tests about hangs; the others get a deadline a loaded machine never reaches. */
const TIMEOUT_MS = 300;
const RELAXED_MS = 10_000;
const azureEnv = (timeoutMs = RELAXED_MS) => ({
  MODERATION_PROVIDER: 'azure',
  AZURE_CONTENT_SAFETY_ENDPOINT: azure.endpoint,
  AZURE_CONTENT_SAFETY_KEY: azure.key,
  MODERATION_PROVIDER_TIMEOUT_MS: String(timeoutMs),
});
const openaiEnv = (timeoutMs = RELAXED_MS) => ({
  MODERATION_PROVIDER: 'openai',
  MODERATION_OPENAI_API_KEY: openai.apiKey,
  MODERATION_OPENAI_BASE_URL: openai.baseURL,
  MODERATION_PROVIDER_TIMEOUT_MS: String(timeoutMs),
});
const build = (env: NodeJS.ProcessEnv) => {
  const { logger, lines } = capturedLogger();
  return { classifier: createModerationClassifier(parseClassifierSettings(env), { logger }), lines };
};
const message = (text: string): ModerationContent => ({ type: 'MESSAGE', text });
const png = SAMPLES['image/png']!;

describe('moderation classifier: the local default', () => {
  const { classifier } = build({});

  test('is chosen when nothing is configured, and decides with the default thresholds', async () => {
    expect(classifier.provider).toBe('local');
    expect(await classifier.classify(message('Good morning Luna!'))).toMatchObject({
      decision: 'APPROVE',
      confidence: 1,
      provider: 'local',
      fallback: false,
    });
    expect((await classifier.classify(message('fuck this shit'))).decision).toBe('REVIEW');
    expect((await classifier.classify(message('you n1gger'))).decision).toBe('REJECT');
  });

  test('configured thresholds apply', async () => {
    const strict = build({ MODERATION_AUTO_APPROVE: '0.9', MODERATION_AUTO_REJECT: '0.2' }).classifier;
    expect((await strict.classify(message('this is fucking great'))).decision).toBe('REVIEW');
    expect((await classifier.classify(message('this is fucking great'))).decision).toBe('APPROVE');
  });

  test.each([
    [{ type: 'POEM', text: 'x' }, 'type', 'UNKNOWN_CONTENT_TYPE'],
    [{ type: 'MESSAGE' }, 'text', 'REQUIRED'],
    [{ type: 'COMPANION', name: 'Luna', description: 'x', persona: 3 }, 'persona', 'INVALID'],
    [{ ...media('IMAGE', 'image/png', png), sha256: 'abc' }, 'sha256', 'INVALID_SHA256'],
    [{ ...media('IMAGE', 'image/png', png), sizeBytes: -1 }, 'sizeBytes', 'INVALID_SIZE'],
    [{ ...media('IMAGE', 'image/png', png), url: 'javascript:alert(1)' }, 'url', 'INVALID_URL'],
    [{ ...media('IMAGE', 'image/png', png), mimeType: 'png' }, 'mimeType', 'INVALID_MIME_TYPE'],
    [null, 'content', 'INVALID'],
  ])('bad input %j is BAD_USER_INPUT naming %s', async (content, field, reason) => {
    const error = await classifier.classify(content as ModerationContent).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
  });

  test('media the local classifier cannot judge go to review, never approved', async () => {
    for (const [mime, bytes] of Object.entries(SAMPLES)) {
      const type = mime.startsWith('image/') ? 'IMAGE' : mime.startsWith('audio/') ? 'AUDIO' : 'VIDEO';
      const result = await classifier.classify(media(type, mime, bytes));
      expect(result).toMatchObject({ decision: 'REVIEW', judged: false, provider: 'local' });
      // In the middle of the review band, so a caller reading only the confidence also reviews it.
      expect(result.confidence).toBeCloseTo(0.55);
    }
  });

  test('a blocklisted file is rejected at once', async () => {
    const blocked = build({ MEDIA_BLOCKLIST_SHA256: sha256(png) }).classifier;
    expect(await blocked.classify(media('IMAGE', 'image/png', png))).toMatchObject({
      decision: 'REJECT',
      confidence: 0,
      categories: [{ category: 'blocklist', score: 1 }],
      reasons: ['blocklist: the file is on the SHA-256 blocklist'],
    });
  });

  test('a file over MEDIA_MAX_BYTES or not what it claims is rejected', async () => {
    const small = build({ MEDIA_MAX_BYTES: '10' }).classifier;
    expect((await small.classify(media('IMAGE', 'image/png', png))).decision).toBe('REJECT');
    const fake = Buffer.from('#!/bin/sh\nrm -rf /\n');
    expect(await classifier.classify(media('IMAGE', 'image/png', fake))).toMatchObject({
      decision: 'REJECT',
      categories: [{ category: 'media-type', score: 1 }],
    });
  });
});

describe('moderation classifier: Azure Content Safety', () => {
  test('answers text and images when it is up', async () => {
    const { classifier, lines } = build(azureEnv());
    expect(classifier.provider).toBe('azure');
    azure.script({ kind: 'analyze', severities: { Violence: 4 } });
    expect(await classifier.classify(message('I will hurt you'))).toMatchObject({
      provider: 'azure',
      fallback: false,
      decision: 'REJECT',
    });
    expect(await classifier.classify(media('IMAGE', 'image/png', png))).toMatchObject({
      provider: 'azure',
      judged: true,
      decision: 'APPROVE',
    });
    expect(azure.requests.map((r) => r.path)).toEqual(['/contentsafety/text:analyze', '/contentsafety/image:analyze']);
    expect(lines).toEqual([]);
  });

  test('the local spam and flood rules still apply on top of its answer', async () => {
    const { classifier } = build(azureEnv());
    const result = await classifier.classify(message('visit spam.com now! spam.com is the best, https://spam.com/'));
    expect(result).toMatchObject({ provider: 'azure', fallback: false, decision: 'REJECT' });
    expect(result.categories).toContainEqual({ category: 'spam', score: 0.75 });
    expect(result.reasons).toContain('spam: the same link 3 times');
  });

  test('a hang falls back to local after MODERATION_PROVIDER_TIMEOUT_MS, logged, and the request is dropped', async () => {
    const { classifier, lines } = build(azureEnv(TIMEOUT_MS));
    azure.script({ kind: 'hang' });
    const result = await classifier.classify(message('putain de merde'));
    expect(result).toMatchObject({ provider: 'local', fallback: true, fallbackReason: 'timeout', decision: 'REVIEW' });
    expect(result.reasons).toEqual(['profanity: 2 matches (putain, merde)']);
    expect(result.latencyMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(result.latencyMs).toBeLessThan(5_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, provider: 'azure', reason: 'timeout', type: 'MESSAGE' });
    // The log line names the failure, never the content.
    expect(JSON.stringify(lines[0])).not.toContain('putain');
    await azure.waitForClosedByClient(1);
  });

  test.each([
    [{ kind: 'status', status: 503 } as const, 'http_503'],
    [{ kind: 'status', status: 429 } as const, 'http_429'],
    [{ kind: 'malformed', body: '{"categoriesAnalysis": 1}' } as const, 'malformed'],
    [{ kind: 'cut' } as const, 'connection'],
  ])('%j falls back to local (%s)', async (behaviour, reason) => {
    const { classifier, lines } = build(azureEnv());
    azure.script(behaviour);
    const result = await classifier.classify(message('you n1gger'));
    expect(result).toMatchObject({ provider: 'local', fallback: true, fallbackReason: reason, decision: 'REJECT' });
    expect(lines[0]).toMatchObject({ provider: 'azure', reason });
  });

  test('an image it cannot check when it is down goes to review, never approved', async () => {
    const { classifier } = build(azureEnv());
    azure.script({ kind: 'status', status: 500 });
    expect(await classifier.classify(media('IMAGE', 'image/png', png))).toMatchObject({
      provider: 'local',
      fallback: true,
      fallbackReason: 'http_500',
      judged: false,
      decision: 'REVIEW',
    });
  });

  test('audio and video go to review without a request', async () => {
    const { classifier } = build(azureEnv());
    const result = await classifier.classify(media('AUDIO', 'audio/ogg', SAMPLES['audio/ogg']!));
    expect(result).toMatchObject({ provider: 'azure', judged: false, decision: 'REVIEW' });
    expect(azure.requests).toHaveLength(0);
  });

  test('a blocklisted image is rejected without asking Azure', async () => {
    const { classifier } = build({ ...azureEnv(), MEDIA_BLOCKLIST_SHA256: sha256(png) });
    expect((await classifier.classify(media('IMAGE', 'image/png', png))).decision).toBe('REJECT');
    expect(azure.requests).toHaveLength(0);
  });
});

describe('moderation classifier: OpenAI moderation', () => {
  test('answers when it is up', async () => {
    const { classifier } = build(openaiEnv());
    expect(classifier.provider).toBe('openai');
    openai.script({ kind: 'scores', scores: { harassment: 0.4 } });
    expect(await classifier.classify(message('you are dumb'))).toMatchObject({
      provider: 'openai',
      fallback: false,
      decision: 'REVIEW',
    });
  });

  test('a hang falls back to local after the timeout and the request is dropped', async () => {
    const { classifier, lines } = build(openaiEnv(TIMEOUT_MS));
    openai.script({ kind: 'hang' });
    const result = await classifier.classify(message('hello there'));
    expect(result).toMatchObject({ provider: 'local', fallback: true, fallbackReason: 'timeout', decision: 'APPROVE' });
    expect(lines[0]).toMatchObject({ provider: 'openai', reason: 'timeout' });
    await openai.waitForClosedByClient(1);
  });

  test('a long Retry-After does not hold the answer past the deadline', async () => {
    const { classifier } = build(openaiEnv(TIMEOUT_MS));
    // The SDK sleeps through Retry-After without listening to the signal (its timer outlives the call).
    openai.script({ kind: 'status', status: 429, retryAfterMs: 1_500 });
    const result = await classifier.classify(message('hello'));
    expect(result).toMatchObject({ fallback: true, fallbackReason: 'timeout' });
    // Answered before the SDK even sent its retry.
    expect(openai.requests).toHaveLength(1);
  });

  test('errors and malformed answers fall back to local', async () => {
    const { classifier } = build(openaiEnv());
    openai.script({ kind: 'status', status: 500, times: 2, retryAfterMs: 1 }, { kind: 'malformed', body: 'not json' });
    expect(await classifier.classify(message('hi'))).toMatchObject({ fallback: true, fallbackReason: 'http_500' });
    expect(await classifier.classify(message('hi'))).toMatchObject({ fallback: true, fallbackReason: 'malformed' });
  });

  test('a caller that aborts gets the local answer at once', async () => {
    const { classifier } = build(openaiEnv());
    openai.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = classifier.classify(message('hi'), controller.signal);
    while (openai.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(await pending).toMatchObject({ provider: 'local', fallback: true, fallbackReason: 'cancelled' });
  });
});
