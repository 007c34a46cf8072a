import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { v7 as uuidv7 } from 'uuid';

export const DATA_EXPORT_STATUSES = ['PENDING', 'READY', 'FAILED', 'EXPIRED'] as const;
export type DataExportStatus = (typeof DATA_EXPORT_STATUSES)[number];

/** The subgraphs whose parts make an export's archive (each answers `user.export_requested`). */
export const EXPORTING_SUBGRAPHS = ['users', 'companions', 'moderation', 'analytics'] as const;

/** One data export a user asked for (docs/privacy.md, "Export"). */
@Entity({ tableName: 'data_exports' })
@Index({ name: 'data_exports_user_idx', properties: ['userId', 'requestedAt'] })
export class DataExport {
  /** UUID v7; also the archive's name in its download URL. */
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'datetime' })
  requestedAt: Opt<Date> = new Date();

  @Property({ type: 'string', length: 16 })
  status: Opt<DataExportStatus> = 'PENDING';

  @Property({ type: 'datetime', nullable: true })
  readyAt?: Date | null;

  /** When the archive is deleted (readyAt + EXPORT_RETENTION_DAYS) and the export becomes EXPIRED. */
  @Property({ type: 'datetime', nullable: true })
  availableUntil?: Date | null;

  /** Downloads so far (GETs of a valid link); capped at EXPORT_MAX_DOWNLOADS. */
  @Property({ type: 'integer', default: 0 })
  downloads: Opt<number> = 0;

  /** The assembled archive (one JSON document); null until READY and again once EXPIRED. */
  @Property({ type: 'text', nullable: true, lazy: true })
  archive?: string | null;
}

/**
 * One chunk of one subgraph's part, kept until every part is in and the archive is assembled.
 * All chunks of a subgraph's part come from one reading (export-service.ts).
 */
@Entity({ tableName: 'data_export_parts' })
@Unique({ name: 'data_export_parts_chunk_unique', properties: ['exportId', 'subgraph', 'chunk'] })
export class DataExportPart {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  exportId!: string;

  @Property({ type: 'string', length: 16 })
  subgraph!: string;

  @Property({ type: 'uuid' })
  readingId!: string;

  @Property({ type: 'integer' })
  chunk!: number;

  @Property({ type: 'integer' })
  chunks!: number;

  @Property({ type: 'text' })
  data!: string;
}
