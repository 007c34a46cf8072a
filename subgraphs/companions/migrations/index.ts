import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125154221_initial } from './Migration20261125154221_initial.js';
import { Migration20261130160314_reply_progress } from './Migration20261130160314_reply_progress.js';
import { Migration20261130164659_moderation_enforcement } from './Migration20261130164659_moderation_enforcement.js';
import { Migration20261130194049_entitlements } from './Migration20261130194049_entitlements.js';
import { Migration20261201015220_message_quota } from './Migration20261201015220_message_quota.js';

/** Applied in this order at start-up; new files come from `npm run migration:create -- companions`. */
export const companionsMigrations: MigrationObject[] = [
  { name: 'Migration20261125154221_initial', class: Migration20261125154221_initial },
  { name: 'Migration20261130160314_reply_progress', class: Migration20261130160314_reply_progress },
  { name: 'Migration20261130164659_moderation_enforcement', class: Migration20261130164659_moderation_enforcement },
  // Plans of accounts (user.plan_changed), for entitlements.
  { name: 'Migration20261130194049_entitlements', class: Migration20261130194049_entitlements },
  // Daily message quota taken atomically (one counter row per user and UTC day).
  { name: 'Migration20261201015220_message_quota', class: Migration20261201015220_message_quota },
];
