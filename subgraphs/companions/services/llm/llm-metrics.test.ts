import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createLlmMetrics, meteredProvider, observingFetch } from './llm-metrics.js';
import { createOfflineProvider } from './offline-provider.js';
import { LlmError, type LlmProvider } from './provider.js';

const messages = [
  { role: 'system' as const, content: 'You are Luna. A stargazer. Personality: cheerful.' },
  { role: 'user' as const, content: 'Tell me about Saturn' },
];

async function drain(provider: LlmProvider, signal = new AbortController().signal) {
  const stream = provider.stream({ messages, signal });
  let chunks = 0;
  for (;;) {
    const next = await stream.next();
    if (next.done) return { chunks, result: next.value };
    chunks += 1;
  }
}

/** The sum of a metric's samples with these labels (a histogram's `_count` series by its full name). */
const value = async (registry: Registry, name: string, labels: Record<string, string> = {}) => {
  const family = name.replace(/_count$/, '');
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === family);
  const series = (metric?.values ?? []) as { metricName?: string; labels: Record<string, unknown>; value: number }[];
  const samples = family === name ? series : series.filter((sample) => sample.metricName === name);
  const matches = samples.filter((sample) =>
    Object.entries(labels).every(([key, wanted]) => String(sample.labels[key]) === wanted),
  );
  return matches.reduce((sum, sample) => sum + sample.value, 0);
};

describe('LLM metrics', () => {
  it('count a reply: one ok request, its chunks, its tokens and its time to first token', async () => {
    const registry = new Registry();
    const provider = meteredProvider(createOfflineProvider({ tokensPerSecond: 10_000 }), createLlmMetrics(registry));
    const { chunks, result } = await drain(provider);
    expect(chunks).toBeGreaterThan(1);
    expect(await value(registry, 'llm_requests_total', { provider: 'offline', outcome: 'ok' })).toBe(1);
    expect(await value(registry, 'llm_reply_chunks_total')).toBe(chunks);
    expect(await value(registry, 'llm_tokens_total', { kind: 'completion' })).toBe(result.completionTokens ?? 0);
    expect(await value(registry, 'llm_time_to_first_token_seconds_count')).toBe(1);
  });

  it('count a failure under its kind, and a cancel as cancelled', async () => {
    const registry = new Registry();
    const metrics = createLlmMetrics(registry);
    const failing: LlmProvider = {
      name: 'failing',
      async *stream() {
        throw new LlmError('rate_limited', 'slow down');
      },
    };
    await expect(drain(meteredProvider(failing, metrics))).rejects.toThrow('slow down');
    expect(await value(registry, 'llm_requests_total', { provider: 'failing', outcome: 'rate_limited' })).toBe(1);

    const controller = new AbortController();
    controller.abort();
    const offline = meteredProvider(createOfflineProvider({ tokensPerSecond: 10 }), metrics);
    await expect(drain(offline, controller.signal)).rejects.toBeInstanceOf(LlmError);
    expect(await value(registry, 'llm_requests_total', { provider: 'offline', outcome: 'cancelled' })).toBe(1);
  });

  it("read every response's status and the provider's remaining-requests headers", async () => {
    let calls = 0;
    const server = createServer((_request, response) => {
      calls += 1;
      response.setHeader('x-ratelimit-remaining-requests', String(100 - calls));
      response.setHeader('x-ratelimit-remaining-tokens', '4000');
      response.statusCode = calls === 1 ? 429 : 200;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const registry = new Registry();
      const observed = observingFetch(createLlmMetrics(registry));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
      expect((await observed(url)).status).toBe(429);
      expect((await observed(url)).status).toBe(200);
      expect(await value(registry, 'llm_upstream_responses_total', { status: '429' })).toBe(1);
      expect(await value(registry, 'llm_upstream_responses_total', { status: '200' })).toBe(1);
      expect(await value(registry, 'llm_ratelimit_remaining_requests')).toBe(98);
      expect(await value(registry, 'llm_ratelimit_remaining_tokens')).toBe(4000);
    } finally {
      server.close();
    }
  });
});
