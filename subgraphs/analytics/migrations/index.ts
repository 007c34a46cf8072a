import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261130170000_initial } from './Migration20261130170000_initial.js';
import { Migration20261130200000_rollup_fillfactor } from './Migration20261130200000_rollup_fillfactor.js';
import { Migration20261201024500_user_months } from './Migration20261201024500_user_months.js';
import { Migration20261201100000_user_type_months } from './Migration20261201100000_user_type_months.js';
import { Migration20261201130000_history_json } from './Migration20261201130000_history_json.js';
import { Migration20261130194514_consents } from './Migration20261130194514_consents.js';

/** Applied in this order at start-up. */
export const analyticsMigrations: MigrationObject[] = [
  { name: 'Migration20261130170000_initial', class: Migration20261130170000_initial },
  // ANALYTICS consent projection and pseudonyms (privacy/consent-state.ts).
  { name: 'Migration20261130194514_consents', class: Migration20261130194514_consents },
  { name: 'Migration20261130200000_rollup_fillfactor', class: Migration20261130200000_rollup_fillfactor },
  // Per-user monthly running totals (MAU, active and top users in one row per user and month).
  { name: 'Migration20261201024500_user_months', class: Migration20261201024500_user_months },
  // Per user, type and month, each day's first and last time (the funnel's steps).
  { name: 'Migration20261201100000_user_type_months', class: Migration20261201100000_user_type_months },
  // The history's properties as json: not converted to jsonb at every ingest batch.
  { name: 'Migration20261201130000_history_json', class: Migration20261201130000_history_json },
];
