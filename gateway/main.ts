/** The gateway as its own process (production: several replicas behind nginx). */
import { loadConfigOrExit } from '../platform/config.js';
import { assertNodeVersion, stopOnSignal } from '../platform/server/process.js';
import { closeRuntime, createRuntime } from '../platform/server/runtime.js';
import { startGateway } from './gateway-server.js';

assertNodeVersion();
const config = loadConfigOrExit();
const runtime = await createRuntime(config, 'gateway');
const gateway = await startGateway(runtime);
stopOnSignal(runtime.logger, config.SHUTDOWN_GRACE_MS, async () => {
  await gateway.stop();
  await closeRuntime(runtime);
});
