import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temp data directory for an embedded graph: a copy of global setup's migrated template when
 * there is one (NEXUS_TEST_PGLITE_TEMPLATE), so the graph skips creating its PGlite cluster and
 * migrating it, tens of seconds on a loaded machine. Suites that test the first start itself
 * make a bare directory instead.
 */
export function embeddedDataDir(label = 'nexus-test'): string {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  const template = process.env.NEXUS_TEST_PGLITE_TEMPLATE;
  if (template) cpSync(template, dir, { recursive: true });
  return dir;
}
