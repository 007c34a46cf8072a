import { loadConfig } from '../../../../platform/config.js';
import { createLogger } from '../../../../platform/logger.js';
import { OpenAiTestServer } from '../../../../tests/support/openai-server.js';
import { createLlmProvider } from './index.js';
import { createOpenAiProvider, type OpenAiProviderOptions } from './openai-provider.js';
import { LlmError, type ChatMessage, type CompletionResult, type LlmErrorKind } from './provider.js';

// The real `openai` SDK against a local server speaking its streaming wire protocol.
const server = new OpenAiTestServer();
const messages: ChatMessage[] = [
  { role: 'system', content: 'You are Luna. A stargazer. Personality: cheerful, curious.' },
  { role: 'user', content: 'What is your favourite star?' },
];

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => server.reset());

function provider(overrides: Partial<OpenAiProviderOptions> = {}) {
  return createOpenAiProvider({
    apiKey: server.apiKey,
    baseURL: server.baseURL,
    model: 'gpt-test',
    firstTokenTimeoutMs: 5_000,
    idleTimeoutMs: 5_000,
    maxRetries: 2,
    maxTokens: 64,
    ...overrides,
  });
}

interface Outcome {
  deltas: string[];
  result?: CompletionResult;
  error?: LlmError;
  ms: number;
}

/** Drains a stream, keeping the deltas, the return value or the error; `onDelta` may act mid-stream. */
async function run(
  options: Partial<OpenAiProviderOptions> = {},
  { signal = new AbortController().signal, input = messages, onDelta = (_index: number) => {} } = {},
): Promise<Outcome> {
  const started = performance.now();
  const deltas: string[] = [];
  const stream = provider(options).stream({ messages: input, signal });
  try {
    for (;;) {
      const next = await stream.next();
      if (next.done) return { deltas, result: next.value, ms: performance.now() - started };
      deltas.push(next.value);
      onDelta(deltas.length);
    }
  } catch (error) {
    if (!(error instanceof LlmError)) throw error;
    return { deltas, error, ms: performance.now() - started };
  }
}

function expectError(outcome: Outcome, kind: LlmErrorKind): LlmError {
  expect(outcome.result).toBeUndefined();
  expect(outcome.error).toBeInstanceOf(LlmError);
  expect(outcome.error!.kind).toBe(kind);
  return outcome.error!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('OpenAI provider', () => {
  test('streams the deltas in order and returns the finish reason and usage', async () => {
    server.script({ kind: 'reply', tokens: ['Sirius', ',', ' of', ' course', '!'] });
    const outcome = await run();
    expect(outcome.error).toBeUndefined();
    expect(outcome.deltas).toEqual(['Sirius', ',', ' of', ' course', '!']);
    // The server counts prompt words: 8 + 5.
    expect(outcome.result).toEqual({ finishReason: 'stop', promptTokens: 13, completionTokens: 5 });

    const [request] = server.requests;
    expect(request!.body).toMatchObject({
      model: 'gpt-test',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 64,
    });
    expect(request!.headers.authorization).toBe(`Bearer ${server.apiKey}`);
  });

  test('the prompt arrives as sent, and a per-request maxTokens wins', async () => {
    const conversation: ChatMessage[] = [
      ...messages,
      { role: 'assistant', content: 'Sirius, of course!' },
      { role: 'user', content: 'Why that one?\nTell me "everything".' },
    ];
    const stream = provider({ maxTokensParam: 'max_tokens' }).stream({
      messages: conversation,
      signal: new AbortController().signal,
      maxTokens: 7,
    });
    for await (const _delta of stream);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body!.messages).toEqual(conversation);
    expect(server.requests[0]!.body!.max_tokens).toBe(7);
    expect(server.requests[0]!.body!.max_completion_tokens).toBeUndefined();
  });

  test('empty-content chunks are skipped and another finish reason passes through', async () => {
    server.script({ kind: 'reply', tokens: ['', 'a', '', 'b'], finishReason: 'length' });
    const outcome = await run();
    expect(outcome.deltas).toEqual(['a', 'b']);
    expect(outcome.result!.finishReason).toBe('length');
  });

  test('a 429 before the first token is retried, and the reply comes once', async () => {
    server.script({ kind: 'status', status: 429, retryAfterMs: 10 });
    const outcome = await run();
    expect(outcome.error).toBeUndefined();
    expect(outcome.deltas.join('')).toBe('Hello from the test server.');
    expect(server.requests).toHaveLength(2);
    expect(server.completed).toBe(1);
  });

  test('429 every time ends as rate_limited after the retries', async () => {
    server.script({ kind: 'status', status: 429, times: Infinity, retryAfterMs: 5 });
    const error = expectError(await run({ maxRetries: 1 }), 'rate_limited');
    expect(error.message).toContain('429');
    expect(server.requests).toHaveLength(2);
  });

  test('500 every time ends as upstream after maxRetries + 1 requests', async () => {
    server.script({ kind: 'status', status: 500, times: Infinity, retryAfterMs: 5 });
    const error = expectError(await run({ maxRetries: 2 }), 'upstream');
    expect(error.message).toContain('500');
    expect(server.requests).toHaveLength(3);
  });

  test('a 503 then success is retried too', async () => {
    server.script({ kind: 'status', status: 503, times: 2, retryAfterMs: 5 });
    const outcome = await run({ maxRetries: 2 });
    expect(outcome.error).toBeUndefined();
    expect(server.requests).toHaveLength(3);
  });

  test('a stream cut mid-way is interrupted after its tokens, and never retried', async () => {
    server.script({ kind: 'cut', after: 3, tokens: ['One', ' two', ' three', ' four'] });
    const outcome = await run();
    expect(outcome.deltas).toEqual(['One', ' two', ' three']);
    expectError(outcome, 'interrupted');
    await sleep(100);
    expect(server.requests).toHaveLength(1);
  });

  test('a cut before any token is interrupted as well, without a retry', async () => {
    server.script({ kind: 'cut', after: 0 });
    const outcome = await run();
    expect(outcome.deltas).toEqual([]);
    expectError(outcome, 'interrupted');
    await sleep(100);
    expect(server.requests).toHaveLength(1);
  });

  test('a server that never answers times out after the first-token timeout and is hung up on', async () => {
    server.script({ kind: 'hang' });
    const outcome = await run({ firstTokenTimeoutMs: 300 });
    const error = expectError(outcome, 'timeout');
    expect(error.message).toContain('300');
    expect(outcome.ms).toBeGreaterThanOrEqual(280);
    expect(outcome.ms).toBeLessThan(2_000);
    await server.waitForClosedByClient(1);
    // The deadline covers the retries: no second attempt after it.
    await sleep(100);
    expect(server.requests).toHaveLength(1);
  });

  test('headers without any token also time out (the SDK timeout only covers the headers)', async () => {
    server.script({ kind: 'hang', headers: true });
    const outcome = await run({ firstTokenTimeoutMs: 300 });
    expectError(outcome, 'timeout');
    expect(outcome.ms).toBeGreaterThanOrEqual(280);
    expect(outcome.ms).toBeLessThan(2_000);
    await server.waitForClosedByClient(1);
  });

  test('a stream that stalls after some tokens times out by the idle timeout', async () => {
    server.script({ kind: 'hang-after', tokens: 2 });
    const outcome = await run({ idleTimeoutMs: 300 });
    expect(outcome.deltas).toEqual(['Lorem', ' ipsum']);
    const error = expectError(outcome, 'timeout');
    expect(error.message).toContain('300');
    expect(outcome.ms).toBeGreaterThanOrEqual(280);
    expect(outcome.ms).toBeLessThan(2_000);
    await server.waitForClosedByClient(1);
  });

  test('aborting mid-stream cancels and closes the upstream request', async () => {
    server.script({ kind: 'reply', tokens: Array.from({ length: 50 }, (_, i) => ` t${i}`), delayMs: 20 });
    const controller = new AbortController();
    let abortedAt = 0;
    const outcome = await run(
      {},
      {
        signal: controller.signal,
        onDelta: (count) => {
          if (count === 3) {
            abortedAt = performance.now();
            controller.abort();
          }
        },
      },
    );
    expectError(outcome, 'cancelled');
    expect(outcome.deltas).toEqual([' t0', ' t1', ' t2']);
    expect(performance.now() - abortedAt).toBeLessThan(200);
    await server.waitForClosedByClient(1);
    expect(server.completed).toBe(0);
  });

  test('aborting during a retry back-off cancels at once, with no further request', async () => {
    // The SDK sleeps through Retry-After without listening to the signal.
    server.script({ kind: 'status', status: 429, retryAfterMs: 800 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const outcome = await run({}, { signal: controller.signal });
    expectError(outcome, 'cancelled');
    expect(outcome.ms).toBeLessThan(500);
    // When the SDK wakes up it sees the abort and sends nothing more.
    await sleep(900);
    expect(server.requests).toHaveLength(1);
  });

  test('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    expectError(await run({}, { signal: controller.signal }), 'cancelled');
    expect(server.requests).toHaveLength(0);
  });

  test('a consumer that stops reading closes the upstream request', async () => {
    server.script({ kind: 'reply', tokens: Array.from({ length: 50 }, (_, i) => ` t${i}`), delayMs: 20 });
    const stream = provider().stream({ messages, signal: new AbortController().signal });
    await stream.next();
    await stream.next();
    await stream.return(undefined as never);
    await server.waitForClosedByClient(1);
    expect(server.completed).toBe(0);
  });

  test('a wrong API key is an upstream error naming the status, not the key', async () => {
    const wrongKey = 'sk-wrong-key-abcdefghijklmnop';
    const error = expectError(await run({ apiKey: wrongKey }), 'upstream');
    expect(error.message).toContain('401');
    expect(error.message).not.toContain('Incorrect API key');
    expect(error.message).not.toContain('mnop');
    expect(server.requests).toHaveLength(1);
  });

  test('an unreachable server is an upstream error', async () => {
    const closed = new OpenAiTestServer();
    await closed.start();
    const baseURL = closed.baseURL;
    await closed.stop();
    const error = expectError(await run({ baseURL, maxRetries: 0 }), 'upstream');
    expect(error.message).toMatch(/connect/);
  });

  test('the configuration picks OpenAI when a key is set, the offline provider otherwise', async () => {
    const logger = createLogger('test', 'silent');
    const openai = createLlmProvider(
      loadConfig({ OPENAI_API_KEY: server.apiKey, OPENAI_BASE_URL: server.baseURL, OPENAI_MODEL: 'gpt-configured' }),
      logger,
    );
    expect(openai.name).toBe('openai');
    let text = '';
    for await (const delta of openai.stream({ messages, signal: new AbortController().signal })) text += delta;
    expect(text).toBe('Hello from the test server.');
    expect(server.requests[0]!.body).toMatchObject({ model: 'gpt-configured', max_completion_tokens: 512 });

    expect(createLlmProvider(loadConfig({}), logger).name).toBe('offline');
  });
});
