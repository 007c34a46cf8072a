import { ConfigError, loadConfigOrExit } from '../config.js';
import { assertNodeVersion, stopOnSignal } from './process.js';
import { closeRuntime, createRuntime } from './runtime.js';
import { startSubgraph, type SubgraphModule } from './subgraph-server.js';

/** Each subgraph's main.ts: the subgraph alone in its own process, stopped gracefully on SIGTERM. */
export async function runSubgraph<Services>(module: SubgraphModule<Services>): Promise<void> {
  assertNodeVersion();
  const config = loadConfigOrExit();
  try {
    module.checkSettings?.(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const runtime = await createRuntime(config, module.name);
  const service = await startSubgraph(module, runtime);
  stopOnSignal(runtime.logger, config.SHUTDOWN_GRACE_MS, async () => {
    await service.stop();
    await closeRuntime(runtime);
  });
}
