/**
 * `npm run seed`: one account per role for local use, on whichever database the
 * configuration points at. Idempotent: existing accounts are left as they are.
 */
import 'reflect-metadata';
import { createMetrics } from '../../platform/metrics.js';
import { DataDirInUseError } from '../../platform/pglite-cluster.js';
import { ROLES } from '../../platform/auth/identity.js';
import { loadConfigOrExit } from '../../platform/config.js';
import { OutboxRelay } from '../../platform/events/outbox.js';
import { Loaders } from '../../platform/loaders.js';
import { openDatabase } from '../../platform/orm.js';
import { assertNodeVersion } from '../../platform/server/process.js';
import { closeRuntime, createRuntime } from '../../platform/server/runtime.js';
import { User } from './entities/user.js';
import { usersSubgraph } from './schema.js';

assertNodeVersion();
const config = loadConfigOrExit();
const password = process.env.SEED_PASSWORD ?? 'nexus-local-password-1';
const runtime = await createRuntime(config, 'seed');
const orm = await openDatabase({
  service: 'users',
  config,
  logger: runtime.logger,
  entities: usersSubgraph.entities,
  migrations: usersSubgraph.migrations,
}).catch((error: unknown) => {
  // The embedded database belongs to one process: with `npm start` running, refuse in one line
  // rather than write through a second PGlite whose work the running graph would never see.
  if (!(error instanceof DataDirInUseError)) throw error;
  process.stderr.write(`seed refused, nothing created: ${error.message}\n`);
  process.exit(1);
});
const outbox = new OutboxRelay({ orm, bus: runtime.bus, logger: runtime.logger });
const { accounts } = usersSubgraph.createServices({ ...runtime, orm, outbox, metrics: createMetrics('users') });
for (const role of ROLES) {
  const email = `${role.toLowerCase()}@nexus.local`;
  const em = orm.em.fork();
  if (await em.count(User, { email })) {
    process.stdout.write(`${role.padEnd(9)} ${email} (exists)\n`);
    continue;
  }
  const displayName = `${role[0]}${role.slice(1).toLowerCase()} Example`;
  await accounts.register(
    { em, identity: null, loaders: new Loaders(), logger: runtime.logger, requestId: 'seed' },
    { email, password, displayName },
    role,
  );
  process.stdout.write(`${role.padEnd(9)} ${email} / ${password}\n`);
}
await outbox.flush();
await orm.close();
await closeRuntime(runtime);
