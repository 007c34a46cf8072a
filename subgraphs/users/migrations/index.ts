import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125145956_initial } from './Migration20261125145956_initial.js';

/** Applied in this order at start-up; new files come from `npm run migration:create -- users`. */
export const usersMigrations: MigrationObject[] = [
  { name: 'Migration20261125145956_initial', class: Migration20261125145956_initial },
];
