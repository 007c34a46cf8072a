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
    const secrets = { NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32), GATEWAY_SECRET: 'g'.repeat(32) };
    expect(loadConfig(secrets).introspection).toBe(false);
    expect(loadConfig({ ...secrets, INTROSPECTION: 'true' }).introspection).toBe(true);
  });
});
