import { z } from 'zod';

/**
 * Configuration for every process, read from the environment once at start-up.
 * The profile (embedded or services) follows from which URLs are present:
 * DATABASE_URL → PostgreSQL, REDIS_URL → Redis, KAFKA_BROKERS → Kafka.
 */
const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  GATEWAY_PORT: port(4000),
  USERS_PORT: port(4001),
  COMPANIONS_PORT: port(4002),
  MODERATION_PORT: port(4003),
  ANALYTICS_PORT: port(4004),
  USERS_URL: optionalUrl,
  COMPANIONS_URL: optionalUrl,
  MODERATION_URL: optionalUrl,
  ANALYTICS_URL: optionalUrl,
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and _ only')
    .default('nexus'),
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional(),
  ),
  REDIS_KEY_PREFIX: z.string().default('nexus:'),
  KAFKA_BROKERS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, 'must be host:port[,host:port…]')
      .optional(),
  ),
  KAFKA_CLIENT_ID: z.string().default('nexus'),
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_ISSUER: z.string().default('nexusai-graph'),
  // Tests go down to 5 s (token expiry on open sockets); production keeps at least 30 s (checked below).
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(30 * 86_400),
  GATEWAY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PASSWORD_MEMORY_KIB: z.coerce.number().int().min(8192).default(19_456),
  PASSWORD_ITERATIONS: z.coerce.number().int().min(1).default(2),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).default(12),
  MAX_ALIASES: z.coerce.number().int().min(1).default(30),
  MAX_QUERY_COST: z.coerce.number().int().min(10).default(5_000),
  RATE_LIMIT_API_PER_SECOND: z.coerce.number().int().min(1).default(100),
  RATE_LIMIT_AUTH_PER_SECOND: z.coerce.number().int().min(1).default(5),
  TRUST_PROXY: bool(false),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(50),
  MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number().int().min(1).default(200),
  SUBSCRIPTION_HEARTBEAT_MS: z.coerce.number().int().min(100).default(15_000),
  OPENAI_API_KEY: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_FIRST_TOKEN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  LLM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  LLM_MAX_COMPLETION_TOKENS: z.coerce.number().int().min(1).default(512),
  /** Replies generating at once per companions replica; more wait, highest streaming priority first. */
  LLM_MAX_CONCURRENT_GENERATIONS: z.coerce.number().int().min(1).max(10_000).default(32),
  OFFLINE_TOKENS_PER_SECOND: z.coerce.number().min(0.1).max(100_000).default(30),
  CHAT_CONTEXT_TOKEN_BUDGET: z.coerce.number().int().min(64).default(3_000),
  MESSAGE_MAX_CHARS: z.coerce.number().int().min(1).default(4_000),
  REPLY_BUFFER_TTL_SECONDS: z.coerce.number().int().min(10).default(600),
  /** A STREAMING reply without progress for this long is settled FAILED (its replica died); default LLM_IDLE_TIMEOUT_MS. */
  REPLY_STALE_AFTER_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1_000).optional()),
  /** Production on the embedded default (one node, no shared services): must be asked for. */
  SINGLE_NODE: bool(false),
  SUPERGRAPH_PATH: z.string().min(1).default('schema/supergraph.graphql'),
  INTROSPECTION: z.preprocess(emptyToUndefined, bool(false).optional()),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  IDENTITY_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(3_600).default(60),
  SUBGRAPH_HTTP_CONNECTIONS: z.coerce.number().int().min(1).max(1_024).default(32),
  UPSTREAM_WS_IDLE_CLOSE_MS: z.coerce.number().int().min(0).default(30_000),
  SUBSCRIPTION_ENTITY_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config extends RawConfig {
  replyStaleAfterMs: number;
  jwtSecret: string;
  gatewaySecret: string;
  introspection: boolean;
  production: boolean;
  serviceUrls: Record<ServiceName, string>;
  ports: Record<ServiceName | 'gateway', number>;
}

export const SUBGRAPHS = ['users', 'companions', 'moderation', 'analytics'] as const;
export type ServiceName = (typeof SUBGRAPHS)[number];

/** A configuration problem, named in one line so an operator can fix it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

// Development-only defaults: in production missing secrets are an error.
const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789abcdef';
const DEV_GATEWAY_SECRET = 'dev-only-gateway-secret-change-me-0123456789';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join('.') || '(environment)';
    throw new ConfigError(`invalid configuration: ${name}: ${issue.message}`);
  }
  const raw = parsed.data;
  const production = raw.NODE_ENV === 'production';
  if (production && !raw.JWT_SECRET) throw new ConfigError('invalid configuration: JWT_SECRET: required in production');
  if (production && !raw.GATEWAY_SECRET) {
    throw new ConfigError('invalid configuration: GATEWAY_SECRET: required in production');
  }
  if (production) refuseDevelopmentDefaults(raw);
  if (production && raw.ACCESS_TOKEN_TTL_SECONDS < 30) {
    throw new ConfigError('invalid configuration: ACCESS_TOKEN_TTL_SECONDS: at least 30 in production');
  }
  const ports = {
    gateway: raw.GATEWAY_PORT,
    users: raw.USERS_PORT,
    companions: raw.COMPANIONS_PORT,
    moderation: raw.MODERATION_PORT,
    analytics: raw.ANALYTICS_PORT,
  };
  const localUrl = (service: ServiceName) => `http://${raw.HOST}:${ports[service]}/graphql`;
  return {
    ...raw,
    production,
    replyStaleAfterMs: raw.REPLY_STALE_AFTER_MS ?? raw.LLM_IDLE_TIMEOUT_MS,
    jwtSecret: raw.JWT_SECRET ?? DEV_JWT_SECRET,
    gatewaySecret: raw.GATEWAY_SECRET ?? DEV_GATEWAY_SECRET,
    introspection: raw.INTROSPECTION ?? !production,
    ports,
    serviceUrls: {
      users: raw.USERS_URL ?? localUrl('users'),
      companions: raw.COMPANIONS_URL ?? localUrl('companions'),
      moderation: raw.MODERATION_URL ?? localUrl('moderation'),
      analytics: raw.ANALYTICS_URL ?? localUrl('analytics'),
    },
  };
}

/** Variables several production replicas need so they share one state; unset means per-process. */
const SHARED_SERVICES = [
  ['DATABASE_URL', 'PostgreSQL'],
  ['REDIS_URL', 'Redis'],
  ['KAFKA_BROKERS', 'Kafka'],
] as const;

/**
 * Production must not run on what only suits a laptop: the published development secrets
 * (anyone could forge tokens), or per-process state that replicas would not share, unless
 * single-node mode is asked for explicitly.
 */
function refuseDevelopmentDefaults(raw: RawConfig): void {
  if (raw.JWT_SECRET === DEV_JWT_SECRET) {
    throw new ConfigError('invalid configuration: JWT_SECRET: the development default is refused in production');
  }
  if (raw.GATEWAY_SECRET === DEV_GATEWAY_SECRET) {
    throw new ConfigError('invalid configuration: GATEWAY_SECRET: the development default is refused in production');
  }
  if (raw.SINGLE_NODE) return;
  for (const [name, service] of SHARED_SERVICES) {
    if (!raw[name]) {
      throw new ConfigError(
        `invalid configuration: ${name}: required in production (replicas share ${service}); set SINGLE_NODE=true to run one node without it`,
      );
    }
  }
}

/** Entry points call this: a bad configuration is one clear line and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
