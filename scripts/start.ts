/** `npm start`: the whole graph in one process, on the embedded default unless service URLs are set. */
import { loadConfigOrExit } from '../platform/config.js';
import { assertNodeVersion, stopOnSignal } from '../platform/server/process.js';
import { startStack } from './stack.js';

assertNodeVersion();
const started = performance.now();
const config = loadConfigOrExit();
const stack = await startStack(config);
stopOnSignal(stack.runtime.logger, config.SHUTDOWN_GRACE_MS, () => stack.stop());
const profile = [
  config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${config.DATA_DIR}/`,
  config.REDIS_URL ? 'Redis' : 'in-memory state',
  config.KAFKA_BROKERS ? 'Kafka' : 'in-process event bus',
].join(', ');
process.stdout.write(
  `NexusAI graph ready at ${stack.gateway.url} (${profile}; ready in ${Math.round(performance.now() - started)} ms)\n`,
);
