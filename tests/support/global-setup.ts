import { missingServices } from './services.js';
import { makePgliteTemplate } from './pglite-template.js';

/**
 * Decides once per run whether the services profile (PostgreSQL + Redis + Kafka) runs.
 * In CI (or with REQUIRE_SERVICES=1) a missing service fails the run instead of skipping.
 * Also prepares the migrated embedded data directory that test stacks copy (pglite-template.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.NEXUS_TEST_PGLITE_TEMPLATE = await makePgliteTemplate();
  const missing = await missingServices();
  const required = process.env.CI === 'true' || process.env.REQUIRE_SERVICES === '1';
  if (missing.length === 0) {
    process.env.NEXUS_SERVICES_PROFILE = 'on';
    process.stdout.write('\nservices profile: ON (PostgreSQL, Redis, Kafka reachable)\n');
    return;
  }
  if (required) {
    throw new Error(`services profile required but not reachable: ${missing.join(', ')} (run npm run services:start)`);
  }
  process.env.NEXUS_SERVICES_PROFILE = 'off';
  process.stdout.write(
    `\n*** SKIPPED: services profile (not reachable: ${missing.join(', ')}). ` +
      'Only the embedded default runs. Start them with `npm run services:start`. ***\n',
  );
}
