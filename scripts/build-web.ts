/**
 * Builds the web app and GraphiQL (clients/web → dist/web) when their sources changed since the
 * last build; otherwise returns at once. `npm start` and `npm test` run it; `--force` always builds.
 * "Changed" means any source file's path, size or mtime differs from the stamp the last build left.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['clients/web', 'clients/generated', 'package-lock.json'];
const OUT_DIR = 'dist/web';
const STAMP = join(OUT_DIR, '.sources-hash');

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.name !== 'node_modules' && entry.name !== 'dist')
    .flatMap((entry) => files(join(path, entry.name)));
}

export function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(files).sort()) {
    const info = statSync(file);
    hash.update(`${file}\0${info.size}\0${info.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

export async function buildWebIfStale(force = false): Promise<boolean> {
  const hash = sourcesHash();
  const upToDate = existsSync(join(OUT_DIR, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash;
  if (upToDate && !force) return false;
  const started = performance.now();
  process.stdout.write('Building the web app (clients/web → dist/web)…\n');
  const { build } = await import('vite');
  await build({ configFile: 'clients/web/vite.config.ts', logLevel: 'warn' });
  writeFileSync(STAMP, hash);
  process.stdout.write(`Web app built in ${Math.round(performance.now() - started)} ms\n`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWebIfStale(process.argv.includes('--force'));
}
