/**
 * Small pieces every benchmark shares: printing, verdicts, medians, accounts and clean-up of
 * what a run created (its PostgreSQL databases).
 */
import { formatNumber } from './harness.js';
import { IdentityHeader, type Role } from '../platform/auth/identity.js';
import { signIdentity } from '../platform/auth/signed-identity.js';
import { applyKafkajsIdleTimerFix } from '../platform/events/kafkajs-idle-timer-fix.js';

const BENCH_IDENTITY_TTL_SECONDS = 6 * 3600;

export const out = (line = '') => process.stdout.write(`${line}\n`);

/** A difference with its sign: +1.20, -3.4. */
export const signed = (value: number) => `${value >= 0 ? '+' : ''}${formatNumber(value)}`;

/** One target line: verdict first, then the target, then the figure it was judged on. */
export function verdict(met: boolean, target: string, figure: string): string {
  return `${met ? 'met   ' : 'MISSED'}  ${target}: ${figure}`;
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (as harness.ts). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Names this run's databases, keys and topics apart from any other run's. */
export const runIdOf = () => `${process.pid}${Date.now().toString(36)}`;

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface Account {
  userId: string;
  /** Through the gateway: the access token, as a client sends it (HTTP header and connection_init). */
  bearer: Record<string, string>;
  /** What the gateway forwards for this user: the signed identity header (no secret). */
  identity: Record<string, string>;
  /** Straight to a subgraph: the gateway's secret and the identity, as the gateway sends them. */
  direct: Record<string, string>;
}

/** The access token's claims, read without verifying (the gateway verifies; here they only name the user). */
export function accountOf(token: string, gatewaySecret: string): Account {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('access token is not a JWT');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    sub: string;
    role: string;
    sid: string;
  };
  // Signed as the gateway signs it, valid for the length of a benchmark.
  const identityToken = signIdentity(
    { userId: claims.sub, role: claims.role as Role, sessionId: claims.sid },
    gatewaySecret,
    BENCH_IDENTITY_TTL_SECONDS,
  );
  const identity = { [IdentityHeader.identity]: identityToken };
  return {
    userId: claims.sub,
    bearer: { authorization: `Bearer ${token}` },
    identity,
    direct: { 'x-gateway-secret': gatewaySecret, ...identity },
  };
}

/**
 * The environment every server of a benchmark runs with: the caller's profile (DATABASE_URL,
 * REDIS_URL, KAFKA_BROKERS) under names of this run only, loopback, quiet logs, limits that
 * would throttle the load raised, and password hashing at its minimum (used only in set-up).
 */
export function serverEnv(env: NodeJS.ProcessEnv, runId: string, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...env,
    DATABASE_PREFIX: `nexus_bench_${runId}`,
    REDIS_KEY_PREFIX: `nexus-bench:${runId}:`,
    KAFKA_TOPIC_PREFIX: `nexus-bench-${runId}.`,
    OPENAI_API_KEY: '', // the offline provider, whatever the caller's environment says
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    RATE_LIMIT_API_PER_SECOND: '100000000',
    RATE_LIMIT_AUTH_PER_SECOND: '100000000',
    PASSWORD_MEMORY_KIB: '8192',
    PASSWORD_ITERATIONS: '1',
    ACCESS_TOKEN_TTL_SECONDS: '3600',
  };
}

/** Drops the databases named with any of `prefixes` (one per subgraph) on the PostgreSQL profile. */
export async function dropDatabases(databaseUrl: string, prefixes: string[]): Promise<void> {
  if (prefixes.length === 0) return;
  const { MikroORM } = await import('@mikro-orm/postgresql');
  const orm = await MikroORM.init({
    clientUrl: databaseUrl,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
  });
  try {
    const rows = await orm.em.getConnection().execute<{ datname: string }[]>('select datname from pg_database');
    const ours = rows.map((row) => row.datname).filter((name) => prefixes.some((p) => name.startsWith(`${p}_`)));
    for (const name of ours) await orm.schema.dropDatabase(name).catch(() => undefined);
  } finally {
    await orm.close();
  }
}

/** Deletes this run's keys (`prefix*`) on the Redis profile: reply buffers would otherwise wait out their TTL. */
export async function dropRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Deletes this run's topics (`prefix*`) on the Kafka profile. */
export async function dropKafkaTopics(brokers: string, prefix: string): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  applyKafkajsIdleTimerFix(); // as the graph's bus does: no negative-timeout warning from the admin's connections
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** Everything a run created on the services profile: databases, Redis keys, Kafka topics (see serverEnv). */
export async function cleanUp(env: NodeJS.ProcessEnv, runId: string): Promise<void> {
  const steps: Promise<void>[] = [];
  if (env.DATABASE_URL) steps.push(dropDatabases(env.DATABASE_URL, [`nexus_bench_${runId}`]));
  if (env.REDIS_URL) steps.push(dropRedisKeys(env.REDIS_URL, `nexus-bench:${runId}:`));
  if (env.KAFKA_BROKERS) steps.push(dropKafkaTopics(env.KAFKA_BROKERS, `nexus-bench-${runId}.`));
  const failed = (await Promise.allSettled(steps)).filter((r) => r.status === 'rejected');
  for (const f of failed) out(`clean-up failed: ${((f as PromiseRejectedResult).reason as Error).message}`);
}
