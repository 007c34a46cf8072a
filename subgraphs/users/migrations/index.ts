import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125145956_initial } from './Migration20261125145956_initial.js';
import { Migration20261130165210 } from './Migration20261130165210.js';
import { Migration20261130194015_billing } from './Migration20261130194015_billing.js';
import { Migration20261130204917_audit_triggers } from './Migration20261130204917_audit_triggers.js';
import { Migration20261201020240_billing_customer_deletions } from './Migration20261201020240_billing_customer_deletions.js';
import { Migration20261130193849_privacy } from './Migration20261130193849_privacy.js';
import { Migration20261201021509_data_exports } from './Migration20261201021509_data_exports.js';
import { Migration20261201052101_data_export_downloads } from './Migration20261201052101_data_export_downloads.js';

/** Applied in this order at start-up; new files come from `npm run migration:create -- users`. */
export const usersMigrations: MigrationObject[] = [
  { name: 'Migration20261125145956_initial', class: Migration20261125145956_initial },
  // Sanctions from moderation decisions: suspension end, status ordering, applied events.
  { name: 'Migration20261130165210', class: Migration20261130165210 },
  // Personal data: consent history, the append-only audit log, erasure requests.
  { name: 'Migration20261130193849_privacy', class: Migration20261130193849_privacy },
  // Billing: Stripe customers, subscriptions, applied webhook events.
  { name: 'Migration20261130194015_billing', class: Migration20261130194015_billing },
  // The audit log refuses UPDATE, DELETE and TRUNCATE (declared on the entity).
  { name: 'Migration20261130204917_audit_triggers', class: Migration20261130204917_audit_triggers },
  // Stripe customers of erased accounts still to delete (retried by the erasure sweeper).
  {
    name: 'Migration20261201020240_billing_customer_deletions',
    class: Migration20261201020240_billing_customer_deletions,
  },
  // Data exports and the parts they are assembled from.
  { name: 'Migration20261201021509_data_exports', class: Migration20261201021509_data_exports },
  // Downloads per export, counted against EXPORT_MAX_DOWNLOADS.
  {
    name: 'Migration20261201052101_data_export_downloads',
    class: Migration20261201052101_data_export_downloads,
  },
];
