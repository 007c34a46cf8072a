import type { Logger } from '../logger.js';
import { unhandledRejections } from '../metrics.js';

const REQUIRED_NODE_MAJOR = 24;

/** Refuses to run on an older Node than the project pins (npm scripts use the pinned one). */
export function assertNodeVersion(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < REQUIRED_NODE_MAJOR) {
    process.stderr.write(
      `Node ${REQUIRED_NODE_MAJOR} is required, this is ${process.versions.node}: run through npm (npm start) after npm install\n`,
    );
    process.exit(1);
  }
}

let crashPolicyInstalled = false;

/**
 * What happens to errors nobody caught. An unhandled rejection is one failed operation
 * (a lost connection, a forgotten catch): it is logged and counted
 * (`process_unhandled_rejections_total`) and the process keeps serving everyone else.
 * An uncaught exception may have left state half-updated, so it is logged and the process
 * exits 1 for the orchestrator to restart it.
 */
export function installCrashPolicy(logger: Logger): void {
  if (crashPolicyInstalled) return;
  crashPolicyInstalled = true;
  process.on('unhandledRejection', (reason) => {
    unhandledRejections.inc();
    logger.error({ err: reason }, 'unhandled promise rejection (process keeps running)');
  });
  process.on('uncaughtException', (error, origin) => {
    logger.fatal({ err: error, origin }, 'uncaught exception: exiting');
    process.exitCode = 1;
    // Give the log line a moment to reach stdout, then go.
    setTimeout(() => process.exit(1), 100).unref();
  });
}

/**
 * Runs until SIGINT/SIGTERM, then stops gracefully: in-flight requests finish, pending
 * events are flushed, connections close. A second signal or the grace period forces exit.
 */
export function stopOnSignal(logger: Logger, graceMs: number, stop: () => Promise<void>): void {
  // Every entry point comes through here once its services are up.
  installCrashPolicy(logger);
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
