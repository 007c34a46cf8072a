import { ConfigError } from '../../../../platform/config.js';
import { DEFAULT_MEDIA_MAX_BYTES, parseClassifierSettings } from './settings.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'B'.repeat(64);

describe('classifier settings', () => {
  test('defaults: the local provider, 0.8 / 0.3, 3 s, 25 MiB, empty blocklist', () => {
    const settings = parseClassifierSettings({});
    expect(settings).toEqual({
      provider: 'local',
      timeoutMs: 3_000,
      thresholds: { autoApprove: 0.8, autoReject: 0.3 },
      media: { maxBytes: DEFAULT_MEDIA_MAX_BYTES, blocklist: new Set() },
    });
    expect(DEFAULT_MEDIA_MAX_BYTES).toBe(26_214_400);
  });

  test('thresholds, timeout, size and blocklist are read and normalised', () => {
    const settings = parseClassifierSettings({
      MODERATION_AUTO_APPROVE: '0.9',
      MODERATION_AUTO_REJECT: '0',
      MODERATION_PROVIDER_TIMEOUT_MS: '750',
      MEDIA_MAX_BYTES: '1048576',
      MEDIA_BLOCKLIST_SHA256: ` ${HASH_A} ,${HASH_B},, `,
    });
    expect(settings.thresholds).toEqual({ autoApprove: 0.9, autoReject: 0 });
    expect(settings.timeoutMs).toBe(750);
    expect(settings.media.maxBytes).toBe(1_048_576);
    expect([...settings.media.blocklist]).toEqual([HASH_A, HASH_B.toLowerCase()]);
  });

  test.each([
    [{ MODERATION_AUTO_REJECT: '0.8' }, 'MODERATION_AUTO_REJECT: must be below MODERATION_AUTO_APPROVE'],
    [{ MODERATION_AUTO_APPROVE: '0.2' }, 'MODERATION_AUTO_REJECT: must be below MODERATION_AUTO_APPROVE'],
    [{ MODERATION_AUTO_APPROVE: '1.5' }, 'MODERATION_AUTO_APPROVE'],
    [{ MODERATION_AUTO_REJECT: '-0.1' }, 'MODERATION_AUTO_REJECT'],
    [{ MODERATION_AUTO_APPROVE: 'high' }, 'MODERATION_AUTO_APPROVE'],
    [{ MODERATION_PROVIDER: 'perspective' }, 'MODERATION_PROVIDER'],
    [{ MODERATION_PROVIDER_TIMEOUT_MS: '10' }, 'MODERATION_PROVIDER_TIMEOUT_MS'],
    [{ MEDIA_MAX_BYTES: '0' }, 'MEDIA_MAX_BYTES'],
    [{ MEDIA_BLOCKLIST_SHA256: 'abc' }, 'MEDIA_BLOCKLIST_SHA256: must be comma-separated 64-digit hex'],
    [{ MODERATION_PROVIDER: 'azure' }, 'AZURE_CONTENT_SAFETY_ENDPOINT: required when MODERATION_PROVIDER=azure'],
    [
      { MODERATION_PROVIDER: 'azure', AZURE_CONTENT_SAFETY_ENDPOINT: 'https://x.cognitiveservices.azure.com' },
      'AZURE_CONTENT_SAFETY_KEY: required',
    ],
    [
      { MODERATION_PROVIDER: 'azure', AZURE_CONTENT_SAFETY_ENDPOINT: 'not a url', AZURE_CONTENT_SAFETY_KEY: 'k' },
      'AZURE_CONTENT_SAFETY_ENDPOINT',
    ],
    [{ MODERATION_PROVIDER: 'openai' }, 'MODERATION_OPENAI_API_KEY: required when MODERATION_PROVIDER=openai'],
  ])('%j is refused in one line naming the variable', (env, message) => {
    expect(() => parseClassifierSettings(env)).toThrow(ConfigError);
    expect(() => parseClassifierSettings(env)).toThrow(`invalid configuration: ${message}`);
  });

  test('azure needs its endpoint and key; a trailing slash is dropped', () => {
    const settings = parseClassifierSettings({
      MODERATION_PROVIDER: 'azure',
      AZURE_CONTENT_SAFETY_ENDPOINT: 'https://nexus.cognitiveservices.azure.com/',
      AZURE_CONTENT_SAFETY_KEY: 'secret',
    });
    expect(settings.provider).toBe('azure');
    expect(settings.azure).toEqual({ endpoint: 'https://nexus.cognitiveservices.azure.com', key: 'secret' });
  });

  test('openai takes MODERATION_OPENAI_* first and falls back to OPENAI_*', () => {
    const own = parseClassifierSettings({
      MODERATION_PROVIDER: 'openai',
      MODERATION_OPENAI_API_KEY: 'sk-mod',
      MODERATION_OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      OPENAI_API_KEY: 'sk-chat',
      OPENAI_BASE_URL: 'http://127.0.0.1:8/v1',
    });
    expect(own.openai).toEqual({ apiKey: 'sk-mod', baseURL: 'http://127.0.0.1:9/v1', model: 'omni-moderation-latest' });
    const shared = parseClassifierSettings({
      MODERATION_PROVIDER: 'openai',
      OPENAI_API_KEY: 'sk-chat',
      MODERATION_OPENAI_API_KEY: '',
    });
    expect(shared.openai).toEqual({ apiKey: 'sk-chat', model: 'omni-moderation-latest' });
  });

  test('remote credentials are ignored unless their provider is chosen', () => {
    const settings = parseClassifierSettings({
      AZURE_CONTENT_SAFETY_ENDPOINT: 'https://x.example',
      OPENAI_API_KEY: 'sk',
    });
    expect(settings.provider).toBe('local');
    expect(settings.azure).toBeUndefined();
    expect(settings.openai).toBeUndefined();
  });
});
