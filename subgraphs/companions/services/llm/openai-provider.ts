import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  RateLimitError,
} from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Logger } from '../../../../platform/logger.js';
import { LlmError, type CompletionRequest, type CompletionResult, type LlmProvider } from './provider.js';

export interface OpenAiProviderOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint; the SDK's default when absent. */
  baseURL?: string;
  model: string;
  /** From the start of the request (retries included) to the first text delta. */
  firstTokenTimeoutMs: number;
  /** Longest silence between two chunks once text has started. */
  idleTimeoutMs: number;
  /** SDK retries (429, 5xx, connection errors); they can only happen before the first delta. */
  maxRetries: number;
  maxTokens: number;
  /** Older OpenAI-compatible servers only know `max_tokens`. */
  maxTokensParam?: 'max_completion_tokens' | 'max_tokens';
  logger?: Logger;
  /** The SDK's fetch; llm-metrics.ts passes one that reads statuses and rate-limit headers. */
  fetch?: typeof fetch;
}

type Stop = 'cancelled' | 'first-token-timeout' | 'idle-timeout';

/** Streams chat completions through the official SDK, with timeouts the SDK does not have. */
export function createOpenAiProvider(options: OpenAiProviderOptions): LlmProvider {
  const { logger } = options;
  const client = new OpenAI({
    apiKey: options.apiKey,
    // null, not undefined: the SDK would otherwise read OPENAI_BASE_URL itself, past our config.
    baseURL: options.baseURL ?? null,
    maxRetries: options.maxRetries,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // The SDK's timeout only covers the wait for response headers, per attempt.
    timeout: options.firstTokenTimeoutMs,
    // Only the SDK's one-line retry/failure notes; its debug output would carry prompts.
    logLevel: logger ? 'info' : 'off',
    logger: logger && {
      error: (message: string) => logger.error({ component: 'openai-sdk' }, message),
      warn: (message: string) => logger.warn({ component: 'openai-sdk' }, message),
      info: (message: string) => logger.debug({ component: 'openai-sdk' }, message),
      debug: () => {},
    },
  });
  const limit = (tokens: number) =>
    options.maxTokensParam === 'max_tokens' ? { max_tokens: tokens } : { max_completion_tokens: tokens };

  async function* stream(request: CompletionRequest): AsyncGenerator<string, CompletionResult, void> {
    if (request.signal.aborted) throw new LlmError('cancelled', 'cancelled before the request started');

    // One signal for the SDK: the caller's, or ours when a timeout fires.
    const local = new AbortController();
    const signal = AbortSignal.any([request.signal, local.signal]);
    let stop: Stop | undefined;
    const halt = (why: Stop) => {
      stop ??= why;
      local.abort();
    };
    const onCallerAbort = () => halt('cancelled');
    request.signal.addEventListener('abort', onCallerAbort, { once: true });
    // The SDK's retry back-off does not listen to the signal, and a stream aborted mid-read
    // ends quietly instead of throwing: racing every wait against this settles both.
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
    aborted.catch(() => {});

    const firstTokenDeadline = Date.now() + options.firstTokenTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let textStarted = false;
    // Armed only while waiting on upstream, never while the consumer holds a delta.
    const arm = () => {
      clearTimeout(timer);
      timer = textStarted
        ? setTimeout(() => halt('idle-timeout'), options.idleTimeoutMs)
        : setTimeout(() => halt('first-token-timeout'), Math.max(0, firstTokenDeadline - Date.now()));
    };
    const disarm = () => clearTimeout(timer);

    let finishReason: string | null = null;
    let promptTokens: number | null = null;
    let completionTokens: number | null = null;
    let ended = false;
    const started = Date.now();

    try {
      arm();
      const upstream = await Promise.race([
        client.chat.completions.create(
          {
            model: request.model ?? options.model,
            messages: request.messages,
            stream: true,
            stream_options: { include_usage: true },
            ...limit(request.maxTokens ?? options.maxTokens),
          },
          { signal, maxRetries: options.maxRetries },
        ),
        aborted,
      ]);
      const chunks: AsyncIterator<ChatCompletionChunk> = upstream[Symbol.asyncIterator]();
      for (;;) {
        arm();
        const next = await Promise.race([chunks.next(), aborted]);
        disarm();
        if (next.done) break;
        const chunk = next.value;
        if (chunk.usage) {
          promptTokens = chunk.usage.prompt_tokens ?? null;
          completionTokens = chunk.usage.completion_tokens ?? null;
        }
        const choice = chunk.choices?.find((candidate) => candidate.index === 0) ?? chunk.choices?.[0];
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        const content = choice?.delta?.content;
        if (content) {
          textStarted = true;
          yield content;
        }
      }
      // Without a finish reason the server stopped mid-reply (the SDK also ends quietly on abort).
      if (stop) throw stopError(stop, options);
      if (!finishReason) throw new LlmError('interrupted', 'the reply stream ended without a finish reason');
      ended = true;
      return { finishReason, promptTokens, completionTokens };
    } catch (error) {
      const failure = stop ? stopError(stop, options) : classify(error, textStarted);
      // The text is complete once a finish reason arrived; only the usage chunk or [DONE] went missing.
      if (finishReason && (failure.kind === 'interrupted' || stop === 'idle-timeout')) {
        return { finishReason, promptTokens, completionTokens };
      }
      // A cancel is the user's choice, not an incident.
      logger?.[failure.kind === 'cancelled' ? 'debug' : 'warn'](
        { kind: failure.kind, model: options.model, textStarted, ms: Date.now() - started },
        `llm request failed: ${failure.message}`,
      );
      throw failure;
    } finally {
      disarm();
      request.signal.removeEventListener('abort', onCallerAbort);
      // Closes the upstream HTTP request whenever we leave early (error, timeout, consumer gone).
      if (!ended) local.abort();
    }
  }

  return { name: 'openai', stream };
}

function stopError(stop: Stop, options: OpenAiProviderOptions): LlmError {
  switch (stop) {
    case 'cancelled':
      return new LlmError('cancelled', 'the reply was cancelled');
    case 'first-token-timeout':
      return new LlmError('timeout', `no reply within ${options.firstTokenTimeoutMs} ms`);
    case 'idle-timeout':
      return new LlmError('timeout', `the reply stalled for ${options.idleTimeoutMs} ms`);
  }
}

/** Short, secret-free messages: upstream error texts can echo parts of the API key. */
function classify(error: unknown, textStarted: boolean): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof APIUserAbortError) return new LlmError('cancelled', 'the reply was cancelled');
  if (error instanceof APIConnectionTimeoutError) return new LlmError('timeout', 'the LLM server did not answer');
  if (error instanceof APIConnectionError) return new LlmError('upstream', 'could not connect to the LLM server');
  if (error instanceof RateLimitError) return new LlmError('rate_limited', `LLM rate limit: HTTP 429${code(error)}`);
  if (error instanceof APIError) {
    // No status: an error event inside a 200 stream.
    const where = error.status ? `HTTP ${error.status}` : 'error in the reply stream';
    return new LlmError('upstream', `LLM request failed: ${where}${code(error)}`);
  }
  if (error instanceof SyntaxError) return new LlmError('upstream', 'the LLM server sent a malformed chunk');
  // undici's "terminated" and friends: the connection dropped while the body was being read.
  const detail = textStarted ? 'mid-reply' : 'before the first token';
  return new LlmError('interrupted', `the reply stream was cut ${detail}`);
}

function code(error: APIError): string {
  const value = error.code ?? error.type;
  return typeof value === 'string' && /^[\w.-]{1,64}$/.test(value) ? ` (${value})` : '';
}
