/** What an LLM provider needs to write a reply, and what it gives back. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  /** System prompt (the companion's persona) first, then the conversation, oldest first. */
  messages: ChatMessage[];
  /** Aborting stops the upstream request (cancelReply, shutdown). */
  signal: AbortSignal;
  maxTokens?: number;
  /** A model other than the provider's configured one (a plan's entitlement); offline ignores it. */
  model?: string;
}

export interface CompletionResult {
  /** 'stop', 'length', 'content_filter', … as the provider reports it. */
  finishReason: string;
  promptTokens: number | null;
  completionTokens: number | null;
}

export type LlmErrorKind = 'timeout' | 'upstream' | 'rate_limited' | 'cancelled' | 'interrupted';

/** Every provider failure, classified; the message is safe to store and log (no secrets). */
export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A streaming chat completion: yields text deltas in order and returns the result when
 * the stream ends. Throws LlmError on failure (after retries, which happen only before the
 * first delta) and LlmError('cancelled') when the signal aborts.
 */
export interface LlmProvider {
  readonly name: string;
  stream(request: CompletionRequest): AsyncGenerator<string, CompletionResult, void>;
}
