import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, SUBGRAPHS, type Config } from '../../platform/config.js';
import { startStack, type Stack } from '../../scripts/stack.js';
import { embeddedDataDir } from './data-dir.js';
import type { Profile } from './profiles.js';

export interface TestStack extends Stack {
  config: Config;
  /** SQL statements seen, by subgraph (cleared by the test when it wants to count). */
  sql: Record<string, string[]>;
  dataDir: string;
  /** Stops the stack and removes what the run created (temp dir, databases). */
  destroy(): Promise<void>;
}

/**
 * A test run's configuration: its own temp PGlite dir (unless DATA_DIR is given), database
 * prefix, Redis key prefix and Kafka topic prefix, cheap hashing and no rate limits.
 */
export function testConfig(profile: Profile, env: Record<string, string> = {}): { config: Config; dataDir: string } {
  const runId = `t${randomBytes(5).toString('hex')}`;
  const dataDir = env.DATA_DIR ?? embeddedDataDir();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    DATABASE_PREFIX: runId,
    REDIS_KEY_PREFIX: `${runId}:`,
    KAFKA_TOPIC_PREFIX: `${runId}.`,
    // Cheap hashing keeps the suite fast; production defaults are in platform/config.ts.
    PASSWORD_MEMORY_KIB: '8192',
    PASSWORD_ITERATIONS: '1',
    TRUST_PROXY: 'true',
    RATE_LIMIT_API_PER_SECOND: '100000',
    RATE_LIMIT_AUTH_PER_SECOND: '100000',
    ...profile.env,
    ...env,
  });
  return { config, dataDir };
}

/**
 * A whole graph on ephemeral ports with its own data: a temp PGlite dir, or its own
 * PostgreSQL databases, Redis key prefix and Kafka topic prefix on the services profile.
 */
export async function startTestStack(profile: Profile, env: Record<string, string> = {}): Promise<TestStack> {
  const { config, dataDir } = testConfig(profile, env);
  const sql: Record<string, string[]> = {};
  const stack = await startStack(config, {
    ephemeralPorts: true,
    onQuery: (service, statement) => (sql[service] ??= []).push(statement),
  });
  return {
    ...stack,
    config,
    sql,
    dataDir,
    async destroy() {
      await stack.stop();
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
      if (config.DATABASE_URL) await dropDatabases(config);
    },
  };
}

async function dropDatabases(config: Config): Promise<void> {
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  try {
    for (const service of SUBGRAPHS) {
      await client.query(`drop database if exists "${config.DATABASE_PREFIX}_${service}" with (force)`);
    }
  } finally {
    await client.end();
  }
}
