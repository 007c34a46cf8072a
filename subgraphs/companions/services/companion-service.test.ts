import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identity } from '../../../platform/auth/identity.js';
import { loadConfig } from '../../../platform/config.js';
import type { RequestScope } from '../../../platform/context.js';
import { OutboxRelay } from '../../../platform/events/outbox.js';
import { Loaders } from '../../../platform/loaders.js';
import type { Logger } from '../../../platform/logger.js';
import { openScratchDatabase, type Orm } from '../../../platform/orm.js';
import { closeRuntime, createRuntime, type Runtime } from '../../../platform/server/runtime.js';
import type { Companion } from '../entities/companion.js';
import { companionsEntities as entities } from '../entities/index.js';
import { companionsMigrations as migrations } from '../migrations/index.js';
import { AccountStatuses } from './account-statuses.js';
import { canSee, CompanionService, isAvailable, showsPersona } from './companion-service.js';
import { ConversationService } from './conversation-service.js';
import { EntitlementService } from './entitlements.js';
import { DEFAULT_ENTITLEMENTS } from '../../../platform/plans.js';

const owner: Identity = { userId: 'owner', role: 'USER', sessionId: 's1' };
const other: Identity = { userId: 'other', role: 'USER', sessionId: 's2' };
const moderator: Identity = { userId: 'mod', role: 'MODERATOR', sessionId: 's3' };
const companion = (fields: Partial<Companion>) =>
  ({ id: 'c', ownerId: 'owner', visibility: 'PUBLIC', deletedAt: null, ...fields }) as Companion;

describe('who sees a companion, chats with it, and reads its persona', () => {
  test('PUBLIC: everyone', () => {
    const open = companion({});
    for (const viewer of [owner, other, null]) {
      expect(canSee(open, viewer)).toBe(true);
      expect(isAvailable(open, viewer)).toBe(true);
      expect(showsPersona(open, viewer)).toBe(true);
    }
  });

  test('PRIVATE: the owner only; others keep no persona', () => {
    const closed = companion({ visibility: 'PRIVATE' });
    expect([owner, other, null].map((viewer) => isAvailable(closed, viewer))).toEqual([true, false, false]);
    expect([owner, other, null].map((viewer) => showsPersona(closed, viewer))).toEqual([true, false, false]);
  });

  test('deleted: unavailable to all, persona left to the owner', () => {
    const gone = companion({ deletedAt: new Date() });
    expect([owner, other].map((viewer) => isAvailable(gone, viewer))).toEqual([false, false]);
    expect([owner, other].map((viewer) => showsPersona(gone, viewer))).toEqual([true, false]);
  });

  test('blocked by moderation: hidden from all but staff, chattable by nobody, persona to staff only', () => {
    const blocked = companion({ blockedAt: new Date() });
    const viewers = [owner, other, null, moderator];
    expect(viewers.map((viewer) => canSee(blocked, viewer))).toEqual([false, false, false, true]);
    expect(viewers.map((viewer) => isAvailable(blocked, viewer))).toEqual([false, false, false, false]);
    expect(viewers.map((viewer) => showsPersona(blocked, viewer))).toEqual([false, false, false, true]);
  });
});

/** A request's scope built by hand, as the subgraph's context builds it: no GraphQL involved. */
function scopeFor(orm: Orm, logger: Logger, identity: Identity | null): RequestScope {
  return { requestId: randomUUID(), identity, em: orm.em.fork(), loaders: new Loaders(), logger };
}

const user = (): Identity => ({ userId: randomUUID(), role: 'USER', sessionId: randomUUID() });
const fields = (visibility: 'PUBLIC' | 'PRIVATE') => ({
  name: 'Ada',
  description: 'A patient tutor',
  personality: ['calm'],
  visibility,
});

describe('services take one request scope', () => {
  let dir: string;
  let runtime: Runtime;
  let orm: Orm;
  let companions: CompanionService;
  let conversations: ConversationService;
  let statuses: AccountStatuses;
  const scope = (identity: Identity | null) => scopeFor(orm, runtime.logger, identity);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nexus-companions-scope-'));
    runtime = await createRuntime(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir }), 'unit');
    orm = await openScratchDatabase(
      { service: 'companions', config: runtime.config, logger: runtime.logger, entities, migrations },
      join(dir, 'db'),
    );
    // Never started: kick() is a no-op, events stay staged in the outbox table.
    const outbox = new OutboxRelay({ orm, bus: runtime.bus, logger: runtime.logger });
    statuses = new AccountStatuses();
    companions = new CompanionService(outbox, new EntitlementService(DEFAULT_ENTITLEMENTS));
    conversations = new ConversationService(outbox, statuses);
  }, 120_000);

  afterAll(async () => {
    await orm?.close();
    if (runtime) await closeRuntime(runtime);
    rmSync(dir, { recursive: true, force: true });
  });

  test("the scope's identity owns what it creates; others see only what is PUBLIC", async () => {
    const alice = user();
    const bob = user();
    const open = await companions.create(scope(alice), fields('PUBLIC'));
    const closed = await companions.create(scope(alice), fields('PRIVATE'));
    expect(closed.ownerId).toBe(alice.userId);

    const listed = async (identity: Identity | null) =>
      (await companions.list(scope(identity), 100, null)).edges.map((edge) => edge.node.id);
    expect(await listed(alice)).toEqual(expect.arrayContaining([open.id, closed.id]));
    expect(await listed(bob)).toContain(open.id);
    expect(await listed(bob)).not.toContain(closed.id);
    expect(await companions.reference(scope(bob), closed.id)).toBeNull();
    expect((await companions.reference(scope(alice), closed.id))?.id).toBe(closed.id);
  });

  test('no identity in the scope is UNAUTHENTICATED; a stranger editing is NOT_FOUND', async () => {
    const alice = user();
    await expect(companions.create(scope(null), fields('PUBLIC'))).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const mine = await companions.create(scope(alice), fields('PUBLIC'));
    await expect(companions.update(scope(user()), mine.id, fields('PRIVATE'))).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
    await expect(companions.delete(scope(user()), mine.id)).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
    const updated = await companions.update(scope(alice), mine.id, { ...fields('PUBLIC'), name: 'Ada II' });
    expect(updated.name).toBe('Ada II');
  });

  test("a conversation is its starter's only, and a suspended account cannot start one", async () => {
    const alice = user();
    const bob = user();
    const companion = await companions.create(scope(alice), fields('PUBLIC'));
    const conversation = await conversations.start(scope(bob), companion.id);
    expect((await conversations.find(scope(bob), conversation.id))?.id).toBe(conversation.id);
    expect(await conversations.find(scope(alice), conversation.id)).toBeNull();
    expect(await conversations.reference(scope(null), conversation.id)).toBeNull();
    await expect(conversations.find(scope(null), conversation.id)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });

    await statuses.apply(orm.em.fork(), bob.userId, 'SUSPENDED', new Date());
    await expect(conversations.start(scope(bob), companion.id)).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN', reason: 'ACCOUNT_SUSPENDED' },
    });
  });
});
