import { createConnection } from 'node:net';

/** Where the services profile's servers are (started by `npm run services:start`). */
export const SERVICES = {
  databaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
};

function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Names the services that do not answer; empty when the services profile can run. */
export async function missingServices(): Promise<string[]> {
  const db = new URL(SERVICES.databaseUrl);
  const redis = new URL(SERVICES.redisUrl);
  const [kafkaHost, kafkaPort] = SERVICES.kafkaBrokers.split(',')[0]!.split(':');
  const checks: [string, Promise<boolean>][] = [
    [`PostgreSQL at ${db.host}`, reachable(db.hostname, Number(db.port || 5432))],
    [`Redis at ${redis.host}`, reachable(redis.hostname, Number(redis.port || 6379))],
    [`Kafka at ${SERVICES.kafkaBrokers}`, reachable(kafkaHost!, Number(kafkaPort))],
  ];
  const results = await Promise.all(checks.map(([, check]) => check));
  return checks.filter((_, i) => !results[i]).map(([name]) => name);
}
