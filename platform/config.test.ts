import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  test('the embedded default needs no variables', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.ports).toEqual({ gateway: 4000, users: 4001, companions: 4002, moderation: 4003, analytics: 4004 });
    expect(config.serviceUrls.users).toBe('http://127.0.0.1:4001/graphql');
    expect(config.introspection).toBe(true);
  });

  test('ports and URLs are configurable', () => {
    const config = loadConfig({ USERS_PORT: '5001', USERS_URL: 'http://users.internal:80/graphql' });
    expect(config.ports.users).toBe(5001);
    expect(config.serviceUrls.users).toBe('http://users.internal:80/graphql');
  });

  test.each([
    [{ GATEWAY_PORT: '70000' }, /GATEWAY_PORT/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL: must be a redis:\/\/ URL/],
    [{ KAFKA_BROKERS: 'a:1,,b' }, /KAFKA_BROKERS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ NODE_ENV: 'production' }, /JWT_SECRET: required in production/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32) }, /GATEWAY_SECRET: required in production/],
  ])('%j is refused with the variable named', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('production turns introspection off unless asked', () => {
    const secrets = {
      NODE_ENV: 'production',
      JWT_SECRET: 'j'.repeat(32),
      GATEWAY_SECRET: 'g'.repeat(32),
      SINGLE_NODE: 'true',
    };
    expect(loadConfig(secrets).introspection).toBe(false);
    expect(loadConfig({ ...secrets, INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  describe('production refuses what only suits one laptop', () => {
    const shared = {
      DATABASE_URL: 'postgres://db.internal/nexus',
      REDIS_URL: 'redis://redis.internal:6379',
      KAFKA_BROKERS: 'kafka.internal:9092',
    };
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'j'.repeat(32),
      GATEWAY_SECRET: 'g'.repeat(32),
      ...shared,
    };
    const devDefaults = loadConfig({});

    test('a production configuration with its own secrets and shared services starts', () => {
      const config = loadConfig(production);
      expect(config.production).toBe(true);
      expect(config.jwtSecret).toBe('j'.repeat(32));
    });

    test.each([
      [{ JWT_SECRET: devDefaults.jwtSecret }, /JWT_SECRET: the development default is refused in production/],
      [
        { GATEWAY_SECRET: devDefaults.gatewaySecret },
        /GATEWAY_SECRET: the development default is refused in production/,
      ],
      [{ DATABASE_URL: '' }, /DATABASE_URL: required in production .*SINGLE_NODE=true/],
      [{ REDIS_URL: '' }, /REDIS_URL: required in production .*SINGLE_NODE=true/],
      [{ KAFKA_BROKERS: '' }, /KAFKA_BROKERS: required in production .*SINGLE_NODE=true/],
    ])('%j is refused with the variable named', (override, message) => {
      expect(() => loadConfig({ ...production, ...override })).toThrow(ConfigError);
      expect(() => loadConfig({ ...production, ...override })).toThrow(message);
    });

    test('single-node mode is asked for explicitly, and still needs real secrets', () => {
      const single = { NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32), GATEWAY_SECRET: 'g'.repeat(32) };
      expect(() => loadConfig(single)).toThrow(/DATABASE_URL: required in production/);
      expect(loadConfig({ ...single, SINGLE_NODE: 'true' }).DATABASE_URL).toBeUndefined();
      expect(() => loadConfig({ ...single, SINGLE_NODE: 'true', JWT_SECRET: devDefaults.jwtSecret })).toThrow(
        /JWT_SECRET: the development default is refused/,
      );
    });

    test('the development defaults stay usable outside production', () => {
      expect(loadConfig({ JWT_SECRET: devDefaults.jwtSecret }).jwtSecret).toBe(devDefaults.jwtSecret);
    });
  });

  test('a stalled reply is settled after the idle timeout unless a dedicated setting says otherwise', () => {
    expect(loadConfig({}).replyStaleAfterMs).toBe(30_000);
    expect(loadConfig({ LLM_IDLE_TIMEOUT_MS: '5000' }).replyStaleAfterMs).toBe(5_000);
    expect(loadConfig({ REPLY_STALE_AFTER_MS: '4000' }).replyStaleAfterMs).toBe(4_000);
    expect(() => loadConfig({ REPLY_STALE_AFTER_MS: '10' })).toThrow(/REPLY_STALE_AFTER_MS/);
  });
});
