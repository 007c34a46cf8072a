import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * Messages a user has taken from their daily quota, one row per user and UTC day. Taking one is
 * a single conditional upsert (`used < limit`), so concurrent sends cannot both pass at
 * limit − 1; it runs in the send's transaction, so a send that fails afterwards gives it back.
 */
@Entity({ tableName: 'message_quota_usage' })
export class MessageQuotaUsage {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  /** The UTC day (its 00:00 instant). */
  @PrimaryKey({ type: 'datetime' })
  day!: Date;

  @Property({ type: 'integer' })
  used!: number;
}
