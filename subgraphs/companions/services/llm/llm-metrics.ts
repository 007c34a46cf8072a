import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LlmError, type CompletionRequest, type CompletionResult, type LlmProvider } from './provider.js';

/** What the LLM alerts and dashboards read (monitoring/alerts.yml, the LLM dashboard). */
export interface LlmMetrics {
  requests: Counter<'provider' | 'outcome'>;
  timeToFirstToken: Histogram<'provider'>;
  tokens: Counter<'provider' | 'kind'>;
  chunks: Counter<'provider'>;
  upstreamResponses: Counter<'status'>;
  remainingRequests: Gauge;
  remainingTokens: Gauge;
}

export function createLlmMetrics(registry: Registry): LlmMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'llm_requests_total',
      help: 'Replies asked of the LLM provider, by outcome (ok, timeout, upstream, rate_limited, cancelled, interrupted)',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: 'llm_time_to_first_token_seconds',
      help: 'From the request to the first text delta (retries included)',
      labelNames: ['provider'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20],
      registers,
    }),
    tokens: new Counter({
      name: 'llm_tokens_total',
      help: 'Tokens the provider reported, by kind (prompt, completion)',
      labelNames: ['provider', 'kind'],
      registers,
    }),
    chunks: new Counter({
      name: 'llm_reply_chunks_total',
      help: 'Text deltas streamed from the provider to replies',
      labelNames: ['provider'],
      registers,
    }),
    upstreamResponses: new Counter({
      name: 'llm_upstream_responses_total',
      help: "HTTP responses from the provider's API, by status (every attempt, SDK retries included)",
      labelNames: ['status'],
      registers,
    }),
    remainingRequests: new Gauge({
      name: 'llm_ratelimit_remaining_requests',
      help: 'x-ratelimit-remaining-requests of the latest provider response',
      registers,
    }),
    remainingTokens: new Gauge({
      name: 'llm_ratelimit_remaining_tokens',
      help: 'x-ratelimit-remaining-tokens of the latest provider response',
      registers,
    }),
  };
}

/** Reads each provider response's status and rate-limit headers (given to the SDK as its fetch). */
export function observingFetch(metrics: LlmMetrics): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    metrics.upstreamResponses.inc({ status: String(response.status) });
    const requests = Number(response.headers.get('x-ratelimit-remaining-requests') ?? Number.NaN);
    const tokens = Number(response.headers.get('x-ratelimit-remaining-tokens') ?? Number.NaN);
    if (Number.isFinite(requests)) metrics.remainingRequests.set(requests);
    if (Number.isFinite(tokens)) metrics.remainingTokens.set(tokens);
    return response;
  };
}

/** The same provider, counting requests by outcome, time to first token, chunks and tokens. */
export function meteredProvider(provider: LlmProvider, metrics: LlmMetrics): LlmProvider {
  const labels = { provider: provider.name };
  async function* stream(request: CompletionRequest): AsyncGenerator<string, CompletionResult, void> {
    const stopTimer = metrics.timeToFirstToken.startTimer(labels);
    let first = true;
    let settled = false;
    const inner = provider.stream(request);
    try {
      for (;;) {
        const next = await inner.next();
        if (next.done) {
          settled = true;
          const result = next.value;
          metrics.requests.inc({ ...labels, outcome: 'ok' });
          if (result.promptTokens) metrics.tokens.inc({ ...labels, kind: 'prompt' }, result.promptTokens);
          if (result.completionTokens) metrics.tokens.inc({ ...labels, kind: 'completion' }, result.completionTokens);
          return result;
        }
        if (first) stopTimer();
        first = false;
        metrics.chunks.inc(labels);
        yield next.value;
      }
    } catch (error) {
      settled = true;
      metrics.requests.inc({ ...labels, outcome: error instanceof LlmError ? error.kind : 'upstream' });
      throw error;
    } finally {
      // The consumer left early (return()): the provider's own clean-up must still run.
      if (!settled) await inner.return(undefined as never);
    }
  }
  return { name: provider.name, stream };
}
