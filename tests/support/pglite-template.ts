import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * An embedded data directory on which the whole graph has started once (its PGlite cluster
 * created and every subgraph's migrations applied). Test stacks copy it instead of creating a
 * cluster and migrating it anew, which costs tens of seconds per stack on a loaded machine.
 * Made in a child process so that nothing of it stays open in Jest's own process.
 */
export async function makePgliteTemplate(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-template-'));
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not prepare the embedded test template (exit ${code}): ${stderr}`);
  }
  return dir;
}

async function startAndStopOnce(dataDir: string): Promise<void> {
  // Imported here so that global setup, which imports this file, loads none of the graph.
  await import('reflect-metadata');
  const { loadConfig } = await import('../../platform/config.js');
  const { startStack } = await import('../../scripts/stack.js');
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir });
  const stack = await startStack(config, { ephemeralPorts: true });
  await stack.stop();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await startAndStopOnce(process.argv[2]!);
  process.exit(0);
}
