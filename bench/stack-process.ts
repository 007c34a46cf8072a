/**
 * The graph under test, in a process of its own (forked by the benchmarks).
 *
 * Why not in the benchmark's process: the load generator would then share the
 * server's event loop, so its own work (building requests, parsing responses) would
 * queue in front of the server's and be counted as server latency; on a 2-core
 * machine a separate process gives the server one core and the client the other,
 * as with `npm start` and a real client.
 *
 * IPC: → { type: 'ready', gateway, users, profile } once listening;
 *      ← { type: 'count', on: true }   → { type: 'counting' }
 *      ← { type: 'count', on: false }  → { type: 'counted', statements: [{ service, sql }] }
 *      ← { type: 'cpu' }               → { type: 'cpu', ms } (process CPU time so far)
 *      ← { type: 'stop' }              → stops the stack and exits.
 */
import 'reflect-metadata';
import { loadConfig } from '../platform/config.js';
import { startStack } from '../scripts/stack.js';

export interface CountedStatement {
  service: string;
  sql: string;
}

export type StackMessage =
  | { type: 'ready'; gateway: string; users: string; profile: string }
  | { type: 'counting' }
  | { type: 'counted'; statements: CountedStatement[] }
  | { type: 'cpu'; ms: number }
  | { type: 'failed'; error: string };

export type StackCommand = { type: 'count'; on: boolean } | { type: 'cpu' } | { type: 'stop' };

// MikroORM colours its log lines unless told not to; the counter wants plain SQL.
const ANSI = /\x1b\[[0-9;]*m/g;

const send = (message: StackMessage) => process.send?.(message);

let counting = false;
let statements: CountedStatement[] = [];

try {
  const config = loadConfig(process.env);
  const stack = await startStack(config, {
    ephemeralPorts: true,
    // Always installed (MikroORM's debug log is on or off at start-up); it costs one
    // string clean-up per statement, the same on both paths of every comparison.
    onQuery: (service, line) => {
      if (counting) statements.push({ service, sql: line.replace(ANSI, '') });
    },
  });
  const profile = [
    config.DATABASE_URL ? 'PostgreSQL' : 'PGlite',
    config.REDIS_URL ? 'Redis' : 'in-memory state',
    config.KAFKA_BROKERS ? 'Kafka' : 'in-process event bus',
  ].join(', ');
  process.on('message', (command: StackCommand) => {
    if (command.type === 'count') {
      counting = command.on;
      if (command.on) {
        statements = [];
        send({ type: 'counting' });
      } else {
        send({ type: 'counted', statements });
      }
    } else if (command.type === 'cpu') {
      const usage = process.cpuUsage();
      send({ type: 'cpu', ms: (usage.user + usage.system) / 1000 });
    } else if (command.type === 'stop') {
      stack.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  // The parent died without saying stop: do not linger holding ports and files.
  process.on('disconnect', () => void stack.stop().finally(() => process.exit(0)));
  send({ type: 'ready', gateway: stack.gateway.url, users: stack.subgraphs.users!.url, profile });
} catch (error) {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
