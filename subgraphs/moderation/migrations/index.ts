import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261130160939_initial } from './Migration20261130160939_initial.js';

/** Applied in this order at start-up; new files come from `npm run migration:create -- moderation`. */
export const moderationMigrations: MigrationObject[] = [
  { name: 'Migration20261130160939_initial', class: Migration20261130160939_initial },
];
