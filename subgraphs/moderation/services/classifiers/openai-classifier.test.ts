import { OpenAiModerationTestServer } from '../../../../tests/support/openai-moderation-server.js';
import { decide } from '../../../../platform/content-safety/decide.js';
import { createOpenAiClassifier, FLAGGED_CONFIDENCE_CAP, type OpenAiClassifierOptions } from './openai-classifier.js';
import { ProviderError } from './provider-error.js';
import { media, SAMPLES } from './testing/media-samples.js';
import type { Classification } from '../../../../platform/content-safety/types.js';

// The real `openai` SDK against a local server speaking OpenAI's moderation protocol.
const server = new OpenAiModerationTestServer();
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => server.reset());

const classifier = (overrides: Partial<OpenAiClassifierOptions> = {}) =>
  createOpenAiClassifier({ apiKey: server.apiKey, baseURL: server.baseURL, maxRetries: 0, ...overrides });
const message = (text: string) => ({ type: 'MESSAGE' as const, text });

async function failure(promise: Promise<Classification>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('OpenAI moderation classifier', () => {
  test('text: the model and input are sent; confidence is one minus the highest score', async () => {
    server.script({ kind: 'scores', scores: { harassment: 0.35, violence: 0.1 } });
    const result = await classifier().classify(message('you are useless'));
    expect(result).toMatchObject({ provider: 'openai', fallback: false, judged: true });
    expect(result.confidence).toBeCloseTo(0.65);
    expect(decide(result.confidence)).toBe('REVIEW');
    expect(result.categories).toHaveLength(13);
    expect(result.categories).toContainEqual({ category: 'harassment', score: 0.35 });
    expect(result.reasons).toEqual(['openai: harassment 0.35, violence 0.10']);

    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/moderations' });
    expect(request!.headers.authorization).toBe(`Bearer ${server.apiKey}`);
    expect(request!.body).toEqual({ model: 'omni-moderation-latest', input: 'you are useless' });
  });

  test('clean text approves; a configured model is used', async () => {
    const result = await classifier({ model: 'omni-moderation-2024-09-26' }).classify(message('hello'));
    expect(result.confidence).toBeCloseTo(0.9999);
    expect(decide(result.confidence)).toBe('APPROVE');
    expect(server.requests[0]!.body!.model).toBe('omni-moderation-2024-09-26');
  });

  test('a flagged result is never above 0.5, even with low scores', async () => {
    server.script({ kind: 'scores', scores: { 'self-harm/intent': 0.12 }, flagged: true });
    const result = await classifier().classify(message('…'));
    expect(result.confidence).toBe(FLAGGED_CONFIDENCE_CAP);
    expect(result.reasons[0]).toBe('openai: flagged');
  });

  test('high scores reject', async () => {
    server.script({ kind: 'scores', scores: { 'hate/threatening': 0.97 } });
    const result = await classifier().classify(message('…'));
    expect(result.confidence).toBeCloseTo(0.03);
    expect(decide(result.confidence)).toBe('REJECT');
  });

  test('an image with bytes goes inline as a data URL; without bytes by its URL', async () => {
    const bytes = SAMPLES['image/jpeg']!;
    server.script({ kind: 'scores', scores: { sexual: 0.9 } });
    const result = await classifier().classify(media('IMAGE', 'image/jpeg', bytes));
    expect(decide(result.confidence)).toBe('REJECT');
    expect(server.requests[0]!.body!.input).toEqual([
      { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${Buffer.from(bytes).toString('base64')}` } },
    ]);
    await classifier().classify({
      ...media('IMAGE', 'image/jpeg', bytes),
      bytes: undefined,
      url: 'https://cdn.example/a.jpg',
    });
    expect(server.requests[1]!.body!.input).toEqual([
      { type: 'image_url', image_url: { url: 'https://cdn.example/a.jpg' } },
    ]);
  });

  test('audio and video cannot be judged and are not sent', async () => {
    const result = await classifier().classify(media('VIDEO', 'video/mp4', SAMPLES['video/mp4']!));
    expect(result).toMatchObject({ judged: false, reasons: ['openai: cannot judge VIDEO content'] });
    expect(server.requests).toHaveLength(0);
  });

  test.each([429, 500, 503] as const)('HTTP %i is a ProviderError http_%i', async (status) => {
    server.script({ kind: 'status', status, retryAfterMs: 1 });
    const error = await failure(classifier().classify(message('hi')));
    expect(error.reason).toBe(`http_${status}`);
  });

  test('the SDK retries a 503 when allowed, and the answer comes once', async () => {
    server.script({ kind: 'status', status: 503, retryAfterMs: 5 });
    const result = await classifier({ maxRetries: 1 }).classify(message('hi'));
    expect(result.judged).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  test('a wrong key is http_401, and the error does not carry the key', async () => {
    const error = await failure(classifier({ apiKey: 'sk-wrong-key-abcdefgh' }).classify(message('hi')));
    expect(error.reason).toBe('http_401');
    expect(error.message).not.toContain('efgh');
  });

  test.each([
    ['not JSON', 'oops <html>'],
    ['no results', '{"id": "modr-1", "results": []}'],
    ['scores that are not numbers', '{"results": [{"flagged": false, "category_scores": {"hate": "low"}}]}'],
  ])('a 200 with %s is malformed', async (_what, body) => {
    server.script({ kind: 'malformed', body });
    expect((await failure(classifier().classify(message('hi')))).reason).toBe('malformed');
  });

  test('a dropped connection is a connection error', async () => {
    server.script({ kind: 'cut' });
    expect((await failure(classifier().classify(message('hi')))).reason).toBe('connection');
  });

  test('an aborted signal ends a hanging request and hangs up', async () => {
    server.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = classifier().classify(message('hi'), controller.signal);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await failure(pending)).reason).toBe('cancelled');
    await server.waitForClosedByClient(1);
  });
});
