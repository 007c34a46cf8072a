import type { Config } from '../../../../platform/config.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../../../../platform/logger.js';
import { createLlmMetrics, meteredProvider, observingFetch } from './llm-metrics.js';
import { createOfflineProvider } from './offline-provider.js';
import { createOpenAiProvider } from './openai-provider.js';
import type { LlmProvider } from './provider.js';

export * from './provider.js';
export { createOfflineProvider, type OfflineProviderOptions } from './offline-provider.js';
export { createOpenAiProvider, type OpenAiProviderOptions } from './openai-provider.js';

/**
 * OpenAI (or any compatible server) when a key is configured, else the offline provider;
 * metered on `registry` when one is given (requests, time to first token, tokens, 429s).
 */
export function createLlmProvider(config: Config, logger: Logger, registry?: Registry): LlmProvider {
  const metrics = registry && createLlmMetrics(registry);
  const metered = (provider: LlmProvider) => (metrics ? meteredProvider(provider, metrics) : provider);
  if (config.OPENAI_API_KEY) {
    logger.info(
      { provider: 'openai', model: config.OPENAI_MODEL, customBaseUrl: Boolean(config.OPENAI_BASE_URL) },
      'llm provider: openai',
    );
    return metered(
      createOpenAiProvider({
        apiKey: config.OPENAI_API_KEY,
        ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
        model: config.OPENAI_MODEL,
        firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
        idleTimeoutMs: config.LLM_IDLE_TIMEOUT_MS,
        maxRetries: config.LLM_MAX_RETRIES,
        maxTokens: config.LLM_MAX_COMPLETION_TOKENS,
        logger,
        ...(metrics ? { fetch: observingFetch(metrics) } : {}),
      }),
    );
  }
  logger.info(
    { provider: 'offline', tokensPerSecond: config.OFFLINE_TOKENS_PER_SECOND },
    'llm provider: offline (set OPENAI_API_KEY to use OpenAI)',
  );
  return metered(createOfflineProvider({ tokensPerSecond: config.OFFLINE_TOKENS_PER_SECOND }));
}
