import { LockMode, type EntityManager } from '@mikro-orm/core';
import type { RequestScope } from '../../../platform/context.js';
import { appError, ErrorCode } from '../../../platform/errors.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import type { EventEnvelope } from '../../../schema/events/contracts.js';
import { User } from '../entities/user.js';
import { exportParts } from '../events.js';
import type { SessionService } from '../services/session-service.js';
import { appendAudit, type AuditLog } from './audit-log.js';
import { DataExport, EXPORTING_SUBGRAPHS } from './data-export.js';
import type { ExportLinks } from './export-signing.js';

const HOUR_MS = 3_600_000;
/** One export per user per this many hours (a FAILED one does not count). */
export const EXPORT_INTERVAL_HOURS = 24;
/** How long a download link is valid; every read of `dataExport.url` signs a fresh one. */
export const EXPORT_LINK_TTL_MS = 15 * 60_000;
/** An export still missing a part after this long is FAILED (a subgraph never answered). */
const EXPORT_PENDING_TIMEOUT_MS = HOUR_MS;
/** The archive's `format`, for programs that read it. */
export const EXPORT_FORMAT = 'nexusai-data-export/1';

/** What GET /exports/<id> answers (export-route.ts turns it into HTTP). */
export type Download =
  | { ok: true; exportId: string; userId: string; archive: string }
  | { ok: false; status: 403 | 404 | 410 | 429; reason: string; message: string };

/** Statements inside a transaction, with its context (the embedded profile has one connection). */
function sqlIn(tx: EntityManager) {
  return async <T>(query: string, params: unknown[]): Promise<T[]> =>
    (await tx.getConnection().execute(query, params, 'all', tx.getTransactionContext())) as T[];
}

/**
 * Data exports (docs/privacy.md, "Export"): `requestDataExport` stages `user.export_requested`;
 * every subgraph answers with its part in `user.export_part` chunks; the export is READY once
 * every part is complete, its archive assembled into one JSON document, downloadable through
 * signed links for EXPORT_RETENTION_DAYS, then deleted (EXPIRED).
 */
export class ExportService {
  private readonly links = new WeakMap<DataExport, { url: string; expiresAt: Date }>();

  constructor(
    private readonly deps: {
      orm: Orm;
      sessions: SessionService;
      outbox: OutboxRelay;
      audit: AuditLog;
      links: ExportLinks;
      baseUrl: string;
      retentionDays: number;
      /** Downloads of one export before its links are refused (every download is audited). */
      maxDownloads: number;
      logger: Logger;
    },
  ) {}

  async request(scope: RequestScope): Promise<DataExport> {
    const { user } = await this.deps.sessions.requireLive(scope);
    const created = await scope.em.transactional(async (tx) => {
      // The account row serialises two requests racing each other.
      await tx.findOne(User, { id: user.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const since = new Date(Date.now() - EXPORT_INTERVAL_HOURS * HOUR_MS);
      const previous = await tx.findOne(
        DataExport,
        { userId: user.id, status: { $ne: 'FAILED' }, requestedAt: { $gt: since } },
        { orderBy: { requestedAt: 'desc' } },
      );
      if (previous) {
        const retryAt = new Date(previous.requestedAt.getTime() + EXPORT_INTERVAL_HOURS * HOUR_MS).toISOString();
        throw appError(ErrorCode.RATE_LIMITED, 'One data export per 24 hours; the last one is more recent', {
          retryAt,
        });
      }
      const created = tx.create(DataExport, { userId: user.id });
      tx.persist(created);
      stageEvent(tx, 'user.export_requested', { userId: user.id, actorId: user.id, payload: { exportId: created.id } });
      appendAudit(tx, {
        category: 'SECURITY',
        action: 'privacy.export_requested',
        actorId: user.id,
        subjectId: user.id,
        details: { exportId: created.id },
      });
      return created;
    });
    this.deps.outbox.kick();
    return created;
  }

  /** The caller's newest export, null when they never asked for one. */
  async latest(scope: RequestScope): Promise<DataExport | null> {
    const { user } = await this.deps.sessions.requireLive(scope);
    return scope.em.findOne(DataExport, { userId: user.id }, { orderBy: { requestedAt: 'desc', id: 'desc' } });
  }

  /**
   * A freshly signed link, valid EXPORT_LINK_TTL_MS (whole seconds, as in the link); null unless
   * the archive is there. One per loaded export, so `url` and `expiresAt` of one read agree.
   */
  link(dataExport: DataExport): { url: string; expiresAt: Date } | null {
    if (dataExport.status !== 'READY') return null;
    let signed = this.links.get(dataExport);
    if (!signed) {
      const expiresAt = new Date(Math.floor((Date.now() + EXPORT_LINK_TTL_MS) / 1000) * 1000);
      signed = { url: `${this.deps.baseUrl}${this.deps.links.path(dataExport.id, expiresAt)}`, expiresAt };
      this.links.set(dataExport, signed);
    }
    return signed;
  }

  /**
   * Checks a download link and reads the archive. Every download (not a HEAD) is counted and
   * audited; past EXPORT_MAX_DOWNLOADS the links of that export are refused, so a client
   * fetching its own link in a loop cannot grow the audit log without bound.
   */
  async download(exportId: string, expires: number, signature: string, audited = true): Promise<Download> {
    if (!this.deps.links.verify(exportId, expires, signature)) {
      return { ok: false, status: 403, reason: 'BAD_SIGNATURE', message: 'This download link is not valid' };
    }
    if (expires * 1000 <= Date.now()) {
      return {
        ok: false,
        status: 410,
        reason: 'LINK_EXPIRED',
        message: 'This download link has expired; dataExport.url gives a new one',
      };
    }
    const found = await this.deps.orm.em.fork().findOne(DataExport, { id: exportId }, { populate: ['archive'] });
    if (!found) return { ok: false, status: 404, reason: 'NOT_FOUND', message: 'This export does not exist' };
    if (found.status === 'EXPIRED' || !found.archive) {
      return { ok: false, status: 410, reason: 'EXPORT_EXPIRED', message: 'This export has been deleted' };
    }
    if (audited) {
      // One statement counts and checks, so parallel downloads cannot pass the cap together.
      const counted = await this.deps.orm.em
        .fork()
        .getConnection()
        .execute<{ downloads: number }[]>(
          'update "data_exports" set "downloads" = "downloads" + 1 where "id" = ? and "downloads" < ? returning "downloads"',
          [exportId, this.deps.maxDownloads],
        );
      if (!counted.length) {
        return {
          ok: false,
          status: 429,
          reason: 'DOWNLOAD_LIMIT',
          message: `This export has been downloaded ${this.deps.maxDownloads} times, the most allowed; request a new export`,
        };
      }
      await this.deps.audit.recordSecurityEvent(
        'privacy.export_downloaded',
        { exportId },
        { actorId: found.userId, subjectId: found.userId },
      );
    }
    return { ok: true, exportId, userId: found.userId, archive: found.archive };
  }

  /** Inside deleteAccount's transaction: the user's exports and their parts go with the account. */
  async eraseFor(tx: EntityManager, userId: string): Promise<void> {
    const sql = sqlIn(tx);
    await sql(`delete from data_export_parts where export_id in (select id from data_exports where user_id = ?)`, [
      userId,
    ]);
    await sql(`delete from data_exports where user_id = ?`, [userId]);
  }

  /**
   * Keeps one chunk (the first copy of it) and assembles the archive once every part is
   * complete. A subgraph's chunks all come from one reading: a redelivered request makes the
   * subgraph read again (its data may have changed meanwhile), so the first chunk of another
   * reading replaces what was kept of that part, and later chunks of a replaced reading are
   * dropped. Chunks of one reading arrive in order (one key, one partition).
   */
  private async receive(event: EventEnvelope<'user.export_part'>): Promise<void> {
    const { exportId, readingId, subgraph, chunk, chunks, data } = event.payload;
    const ready = await this.deps.orm.em.fork().transactional(async (tx) => {
      const sql = sqlIn(tx);
      const target = await tx.findOne(DataExport, { id: exportId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // Unknown (erased meanwhile), already complete, failed or expired: nothing to keep.
      if (!target || target.status !== 'PENDING' || target.userId !== event.userId) return false;
      const kept = await sql<{ reading_id: string }>(
        `select reading_id from data_export_parts where export_id = ? and subgraph = ? limit 1`,
        [exportId, subgraph],
      );
      const keptReading = kept[0]?.reading_id ?? null;
      if (keptReading !== readingId) {
        if (chunk !== 0) return false;
        await sql(`delete from data_export_parts where export_id = ? and subgraph = ?`, [exportId, subgraph]);
      }
      await sql(
        `insert into data_export_parts (id, export_id, subgraph, reading_id, chunk, chunks, data)
           values (?, ?, ?, ?, ?, ?, ?) on conflict (export_id, subgraph, chunk) do nothing`,
        [event.id, exportId, subgraph, readingId, chunk, chunks, data],
      );
      const counts = await sql<{ subgraph: string; received: number; chunks: number }>(
        `select subgraph, count(*)::int as received, max(chunks)::int as chunks
           from data_export_parts where export_id = ? group by subgraph`,
        [exportId],
      );
      const complete = EXPORTING_SUBGRAPHS.every((name) => {
        const part = counts.find((row) => row.subgraph === name);
        return part !== undefined && part.received === part.chunks;
      });
      if (!complete) return false;
      const rows = await sql<{ subgraph: string; data: string }>(
        `select subgraph, data from data_export_parts where export_id = ? order by subgraph, chunk`,
        [exportId],
      );
      const parts: Record<string, unknown> = {};
      for (const name of EXPORTING_SUBGRAPHS) {
        parts[name] = JSON.parse(
          rows
            .filter((row) => row.subgraph === name)
            .map((row) => row.data)
            .join(''),
        );
      }
      const now = new Date();
      const archive = JSON.stringify({
        format: EXPORT_FORMAT,
        exportedAt: now.toISOString(),
        userId: target.userId,
        parts,
      });
      await sql(
        `update data_exports set status = 'READY', archive = ?, ready_at = ?, available_until = ? where id = ?`,
        [archive, now, new Date(now.getTime() + this.deps.retentionDays * 24 * HOUR_MS), exportId],
      );
      await sql(`delete from data_export_parts where export_id = ?`, [exportId]);
      return true;
    });
    if (ready) this.deps.logger.info({ exportId }, 'data export ready');
  }

  /** `user.export_part` from every subgraph (this one too). */
  async startConsumer(bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, logger, exportParts, {
      'user.export_part': (event) => this.receive(event),
    });
    return () => consumer.close();
  }

  /** Archives past their retention are deleted (EXPIRED); exports missing a part for too long FAIL. */
  async sweep(): Promise<number> {
    return this.deps.orm.em.fork().transactional(async (tx) => {
      const sql = sqlIn(tx);
      const now = new Date();
      const expired = await sql<{ id: string }>(
        `update data_exports set status = 'EXPIRED', archive = null
           where status = 'READY' and available_until <= ? returning id`,
        [now],
      );
      const failed = await sql<{ id: string }>(
        `update data_exports set status = 'FAILED' where status = 'PENDING' and requested_at <= ? returning id`,
        [new Date(now.getTime() - EXPORT_PENDING_TIMEOUT_MS)],
      );
      if (failed.length) {
        await sql(`delete from data_export_parts where export_id in (${failed.map(() => '?').join(', ')})`, [
          ...failed.map((row) => row.id),
        ]);
      }
      return expired.length + failed.length;
    });
  }
}
