import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * Analytics' projection of each user's ANALYTICS consent (from `user.registered` and
 * `user.consent_changed`, read in order on `analytics-events`), with the pseudonym that
 * replaces the user's id on their operational events while consent is refused, and for good
 * once the account is erased.
 */
@Entity({ tableName: 'analytics_consents' })
export class AnalyticsConsent {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'boolean' })
  granted!: boolean;

  @Property({ type: 'uuid' })
  pseudonym!: string;

  /** Set once the account was erased: its events stay pseudonymous whatever arrives later. */
  @Property({ type: 'boolean', default: false })
  erased: Opt<boolean> = false;

  @Property({ type: 'datetime' })
  updatedAt: Opt<Date> = new Date();
}
