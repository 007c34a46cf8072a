import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261130160939_initial } from './Migration20261130160939_initial.js';
import { Migration20261201020748_erased_authors } from './Migration20261201020748_erased_authors.js';

/** Applied in this order at start-up; new files come from `npm run migration:create -- moderation`. */
export const moderationMigrations: MigrationObject[] = [
  { name: 'Migration20261130160939_initial', class: Migration20261130160939_initial },
  // Tombstones of erased users: their content still in flight is dropped at intake.
  { name: 'Migration20261201020748_erased_authors', class: Migration20261201020748_erased_authors },
];
