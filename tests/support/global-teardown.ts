import { rmSync } from 'node:fs';

/** Removes global setup's embedded template. */
export default function globalTeardown(): void {
  const template = process.env.NEXUS_TEST_PGLITE_TEMPLATE;
  if (template) rmSync(template, { recursive: true, force: true });
}
