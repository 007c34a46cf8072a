import { ContentSafetyTestServer } from '../../../../tests/support/content-safety-server.js';
import { AZURE_MAX_TEXT_CHARS, createAzureClassifier, severityScore } from './azure-classifier.js';
import { decide } from '../../../../platform/content-safety/decide.js';
import { ProviderError } from './provider-error.js';
import { media, SAMPLES } from './testing/media-samples.js';
import type { Classification } from '../../../../platform/content-safety/types.js';

// Real HTTP against a local server speaking Azure AI Content Safety's REST protocol.
const server = new ContentSafetyTestServer();
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => server.reset());

const classifier = () => createAzureClassifier({ endpoint: `${server.endpoint}/`, key: server.key });
const message = (text: string) => ({ type: 'MESSAGE' as const, text });

async function failure(promise: Promise<Classification>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('Azure severity → score → confidence', () => {
  test('0, 2, 4, 6 map to 0, 0.4, 0.8, 1 (confidence 1, 0.6, 0.2, 0)', () => {
    expect([0, 2, 4, 6].map(severityScore)).toEqual([0, 0.4, 0.8, 1]);
    expect(severityScore(1)).toBeCloseTo(0.2);
    expect(severityScore(5)).toBeCloseTo(0.9);
    expect(severityScore(7)).toBe(1);
    expect(severityScore(-1)).toBe(0);
  });
});

describe('Azure Content Safety classifier', () => {
  test('text: sends the documented request and maps the worst severity', async () => {
    server.script({ kind: 'analyze', severities: { Hate: 2, Violence: 0 } });
    const result = await classifier().classify(message('you people are all the same'));
    expect(result).toMatchObject({
      provider: 'azure',
      fallback: false,
      judged: true,
      reasons: ['azure: Hate severity 2'],
    });
    expect(result.confidence).toBeCloseTo(0.6);
    expect(decide(result.confidence)).toBe('REVIEW');
    expect(result.categories).toEqual([
      { category: 'Hate', score: 0.4 },
      { category: 'SelfHarm', score: 0 },
      { category: 'Sexual', score: 0 },
      { category: 'Violence', score: 0 },
    ]);

    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/contentsafety/text:analyze', apiVersion: '2024-09-01' });
    expect(request!.headers['ocp-apim-subscription-key']).toBe(server.key);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toEqual({
      text: 'you people are all the same',
      categories: ['Hate', 'SelfHarm', 'Sexual', 'Violence'],
      outputType: 'FourSeverityLevels',
    });
  });

  test('all severities 0 approve; 4 or 6 reject', async () => {
    expect((await classifier().classify(message('hello'))).confidence).toBe(1);
    server.script(
      { kind: 'analyze', severities: { Sexual: 4 } },
      { kind: 'analyze', severities: { Violence: 6, Hate: 2 } },
    );
    expect(decide((await classifier().classify(message('a'))).confidence)).toBe('REJECT');
    const worst = await classifier().classify(message('b'));
    expect(worst.confidence).toBe(0);
    expect(worst.reasons).toEqual(['azure: Hate severity 2', 'azure: Violence severity 6']);
  });

  test('a companion and a profile are sent as their fields, one per line', async () => {
    await classifier().classify({
      type: 'COMPANION',
      name: 'Luna',
      description: 'A stargazer',
      persona: ['kind', 'curious'],
    });
    await classifier().classify({ type: 'USER_PROFILE', displayName: 'Ada', bio: 'Mathematician' });
    expect(server.requests.map((r) => r.body?.text)).toEqual([
      'Luna\nA stargazer\nkind, curious',
      'Ada\nMathematician',
    ]);
  });

  test('text over 10,000 characters goes in pieces and the worst piece counts', async () => {
    server.script({ kind: 'analyze' }, { kind: 'analyze', severities: { SelfHarm: 4 } }, { kind: 'analyze' });
    const result = await classifier().classify(message('x '.repeat(12_500)));
    expect(server.requests.map((r) => r.body?.text?.length)).toEqual([
      AZURE_MAX_TEXT_CHARS,
      AZURE_MAX_TEXT_CHARS,
      5_000,
    ]);
    expect(result.confidence).toBeCloseTo(0.2);
  });

  test('empty text is not sent (Azure refuses it) and is safe', async () => {
    expect((await classifier().classify(message(''))).confidence).toBe(1);
    expect(server.requests).toHaveLength(0);
  });

  test('image with bytes: image:analyze with base64 content', async () => {
    server.script({ kind: 'analyze', severities: { Sexual: 6 } });
    const bytes = SAMPLES['image/png']!;
    const result = await classifier().classify(media('IMAGE', 'image/png', bytes));
    expect(result).toMatchObject({ provider: 'azure', judged: true, confidence: 0 });
    expect(server.requests[0]).toMatchObject({ path: '/contentsafety/image:analyze', apiVersion: '2024-09-01' });
    expect(server.requests[0]!.body).toEqual({
      image: { content: Buffer.from(bytes).toString('base64') },
      categories: ['Hate', 'SelfHarm', 'Sexual', 'Violence'],
      outputType: 'FourSeverityLevels',
    });
  });

  test('image without bytes: a blob URL is sent as blobUrl; any other URL cannot be judged', async () => {
    const blobUrl = 'https://nexus.blob.core.windows.net/uploads/a.png';
    const reference = { ...media('IMAGE', 'image/png', SAMPLES['image/png']!), bytes: undefined };
    await classifier().classify({ ...reference, url: blobUrl });
    expect(server.requests[0]!.body!.image).toEqual({ blobUrl });
    const other = await classifier().classify(reference);
    expect(other).toMatchObject({ judged: false, reasons: ['azure: no bytes and not an Azure Blob Storage URL'] });
    expect(server.requests).toHaveLength(1);
  });

  test('audio and video cannot be judged and are not sent', async () => {
    const result = await classifier().classify(media('AUDIO', 'audio/mpeg', SAMPLES['audio/mpeg']!));
    expect(result).toMatchObject({ judged: false, reasons: ['azure: cannot judge AUDIO content'] });
    expect(server.requests).toHaveLength(0);
  });

  test.each([
    [429, 'http_429', 'HTTP 429 (429)'],
    [500, 'http_500', 'HTTP 500 (InternalServerError)'],
    [503, 'http_503', 'HTTP 503 (ServiceUnavailable)'],
  ] as const)('HTTP %i is a ProviderError %s', async (status, reason, text) => {
    server.script({ kind: 'status', status });
    const error = await failure(classifier().classify(message('hi')));
    expect(error.reason).toBe(reason);
    expect(error.message).toContain(text);
  });

  test('a wrong key is http_401, and the error does not carry the key', async () => {
    const wrong = createAzureClassifier({ endpoint: server.endpoint, key: 'wrong-key-abcdef' });
    const error = await failure(wrong.classify(message('hi')));
    expect(error.reason).toBe('http_401');
    expect(error.message).not.toContain('abcdef');
  });

  test.each([
    ['not JSON', 'Internal error <html>'],
    ['JSON without categoriesAnalysis', '{"result": "ok"}'],
    ['categoriesAnalysis of the wrong shape', '{"categoriesAnalysis": [{"category": "Hate", "severity": "high"}]}'],
    ['null', 'null'],
  ])('a 200 with %s is malformed', async (_what, body) => {
    server.script({ kind: 'malformed', body });
    expect((await failure(classifier().classify(message('hi')))).reason).toBe('malformed');
  });

  test('a dropped connection and an unreachable server are connection errors', async () => {
    server.script({ kind: 'cut' });
    expect((await failure(classifier().classify(message('hi')))).reason).toBe('connection');
    const closed = await new ContentSafetyTestServer().start();
    const endpoint = closed.endpoint;
    await closed.stop();
    const unreachable = createAzureClassifier({ endpoint, key: 'k' });
    expect((await failure(unreachable.classify(message('hi')))).reason).toBe('connection');
  });

  test('an aborted signal ends a hanging request and closes the connection', async () => {
    server.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = classifier().classify(message('hi'), controller.signal);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await failure(pending)).reason).toBe('cancelled');
    await server.waitForClosedByClient(1);
  });
});
