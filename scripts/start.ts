/**
 * `npm start`: the whole graph in one process, on the embedded default unless service URLs are set.
 * Only light modules are imported statically: the embedded database starts opening (its
 * WebAssembly compiles off the main thread) while the heavy ones load.
 */
import { enableCompileCache } from 'node:module';
import { ConfigError, loadConfigOrExit } from '../platform/config.js';
import { DataDirInUseError, PgliteCluster, pgliteClusterDir } from '../platform/pglite-cluster.js';
import { LegacyImportError } from '../platform/pglite-legacy.js';
import { assertNodeVersion, stopOnSignal } from '../platform/server/process.js';

enableCompileCache(); // bytecode of the modules below is cached across starts (os.tmpdir())
assertNodeVersion();
const config = loadConfigOrExit();

/** Start-up failures an operator can fix get one line and exit code 1, like a bad variable. */
function exitOnKnownFailure(error: unknown): never {
  if (error instanceof DataDirInUseError || error instanceof LegacyImportError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

// Held until the subgraphs have opened their sessions, so the cluster opens once.
const cluster = config.DATABASE_URL ? undefined : PgliteCluster.acquire(pgliteClusterDir(config));
cluster?.catch(() => undefined); // awaited (and reported) below
const { startStack } = await import('./stack.js');
const modulesLoadedMs = Math.round(performance.now());
await cluster?.catch(exitOnKnownFailure);
const stack = await startStack(config).catch(exitOnKnownFailure);
await (await cluster)?.release();
stopOnSignal(stack.runtime.logger, config.SHUTDOWN_GRACE_MS, () => stack.stop());

const profile = [
  config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${config.DATA_DIR}/pglite/`,
  config.REDIS_URL ? 'Redis' : 'in-memory state',
  config.KAFKA_BROKERS ? 'Kafka' : 'in-process event bus',
].join(', ');
// From process start: module loading is part of what a user waits for.
const readyMs = Math.round(performance.now());
stack.runtime.logger.info({ modulesLoadedMs, readyMs }, 'start-up timings (ms since process start)');
process.stdout.write(`NexusAI graph ready at ${stack.gateway.url} (${profile}; ready in ${readyMs} ms)\n`);
