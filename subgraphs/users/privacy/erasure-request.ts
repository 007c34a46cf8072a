import type { Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** The subgraphs that hold a user's data and confirm its erasure with `user.erasure_completed`. */
export const ERASING_SUBGRAPHS = ['users', 'companions', 'moderation', 'analytics'] as const;
export type ErasingSubgraph = (typeof ERASING_SUBGRAPHS)[number];

/** A deleted account on its way out: who confirmed, and when the row itself may go. */
@Entity({ tableName: 'erasure_requests' })
export class ErasureRequest {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'datetime' })
  requestedAt: Opt<Date> = new Date();

  /** Subgraph → when it confirmed. */
  @Property({ type: 'json' })
  confirmations: Opt<Record<string, string>> = {};

  /** Set when every subgraph has confirmed. */
  @Property({ type: 'datetime', nullable: true })
  completedAt?: Date | null;

  /** The account row, its sessions and consents are hard-deleted after this (ERASURE_GRACE_DAYS). */
  @Property({ type: 'datetime' })
  hardDeleteAfter!: Date;

  @Property({ type: 'datetime', nullable: true })
  hardDeletedAt?: Date | null;
}
