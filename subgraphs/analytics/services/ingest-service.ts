import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import {
  consumeEventBatches,
  type BatchConsumeOptions,
  type EventOf,
} from '../../../platform/events/typed-batch-consumer.js';
import { analyticsEvents } from '../events.js';
import { utcDay, type History } from './history.js';
import type { AnalyticsMetrics } from './metrics.js';
import type { RealtimeEvent, RealtimeStore } from './realtime/store.js';
import { bareArrayLiteral, jsonLines } from './bulk-history.js';
import { ingestSql } from './rollups.js';
import { boundRows } from './sql.js';
import type { ConsentGate } from '../privacy/consent-gate.js';

const DAY_MS = 86_400_000;

type IngestedType = (typeof analyticsEvents.types)[number];
export type AnalyticsEvent = EventOf<IngestedType>;

/**
 * The history rows of a batch, one array per column: client events carry their own type, time
 * and properties. `actorIds`: who caused each event; only events a user caused make them
 * active (DAU, MAU, retention).
 */
class BatchColumns {
  readonly ids: string[] = [];
  readonly types: string[] = [];
  readonly userIds: string[] = [];
  readonly actorIds: (string | null)[] = [];
  readonly occurredAts: string[] = [];
  /** `occurredAts` as epoch milliseconds. */
  readonly times: number[] = [];
  readonly properties: unknown[] = [];

  get size(): number {
    return this.ids.length;
  }

  add(
    id: string,
    type: string,
    userId: string,
    actorId: string | null,
    occurredAt: string,
    time: number,
    properties: unknown,
  ) {
    this.ids.push(id);
    this.types.push(type);
    this.userIds.push(userId);
    this.actorIds.push(actorId);
    this.occurredAts.push(occurredAt);
    this.times.push(time);
    this.properties.push(properties);
  }
}

/**
 * Partitions of `analytics-events` whose batches are stored at the same time. One batch keeps
 * one core busy in PostgreSQL for most of its time; two or three in flight use the second core.
 * Users are the partition key, so batches in flight share no per-user rollup row; the rows they
 * do share (events per hour and day, revenue per day) are upserted in key order and in the same
 * table order by every statement, so they wait for each other but cannot deadlock.
 */
export const INGEST_PARTITIONS_CONCURRENTLY = 3;

/**
 * Bytes one Kafka fetch brings per partition: ~20,000 events of ~400 bytes (kafkajs' default,
 * 1 MB, gave ~3,000). A batch upserts one rollup row per user whatever its size, so a backlog
 * drained in big batches pays those rows once per many events. A caught-up consumer still
 * gets small batches as soon as records arrive.
 */
export const INGEST_FETCH_BYTES_PER_PARTITION = 8 << 20;

export interface IngestResult {
  stored: number;
  duplicates: number;
  expired: number;
}

/**
 * Stores batches of events: the history, every rollup and the realtime counters. Each
 * event counts once however often it arrives: the history's key (occurred_at, id) keeps
 * the first copy and only rows the insert really added reach the rollups and Redis.
 */
export class IngestService {
  constructor(
    private readonly deps: {
      orm: Orm;
      history: History;
      realtime: RealtimeStore;
      metrics: AnalyticsMetrics;
      logger: Logger;
      batchSize: number;
      /** Consent applied before storing (privacy/consent-gate.ts); absent in benchmarks fed synthetic users. */
      consents?: ConsentGate;
    },
  ) {}

  async ingest(received: AnalyticsEvent[]): Promise<IngestResult> {
    const events = this.deps.consents ? await this.deps.consents.filter(received) : received;
    const { orm, history, realtime, metrics } = this.deps;
    const stopTimer = metrics.batchSeconds.startTimer();
    const horizon = history.horizon();
    // The batch as parallel columns, each time parsed once (horizon, day partitions, realtime):
    // no object per event to build, map over and collect (a batch is ~20,000 events).
    const batch = new BatchColumns();
    const seen = new Set<string>();
    const days = new Set<number>();
    let expired = 0;
    let newest = 0;
    for (const event of events) {
      const tracked = event.type === 'client.tracked' ? event.payload : undefined;
      const occurredAt = tracked ? tracked.occurredAt : event.occurredAt;
      const at = Date.parse(occurredAt);
      const sent = tracked ? Date.parse(event.occurredAt) : at;
      if (sent > newest) newest = sent;
      if (at < horizon) expired += 1;
      else if (!seen.has(event.id)) {
        seen.add(event.id);
        batch.add(
          event.id,
          tracked ? tracked.type : event.type,
          event.userId,
          event.actorId,
          occurredAt,
          at,
          tracked ? tracked.properties : event.payload,
        );
        days.add(Math.floor(at / DAY_MS));
      }
    }
    let isNew: (index: number) => boolean = () => true;
    if (batch.size) {
      await history.ensurePartitions([...days].map((day) => utcDay(day * DAY_MS)));
      const [result] = await boundRows<{ inserted: number; ids: string | null }>(orm, ingestSql(new Set(batch.types)), [
        // Checked by the event contracts when each record was parsed (bulk-history.ts).
        bareArrayLiteral(batch.ids),
        bareArrayLiteral(batch.types),
        bareArrayLiteral(batch.userIds),
        bareArrayLiteral(batch.actorIds),
        bareArrayLiteral(batch.occurredAts),
        jsonLines(batch.properties),
        batch.size,
      ]);
      // Some were stored already (a redelivery, a replay): only the others count below.
      if (result && result.inserted < batch.size) {
        const inserted = new Set(result.ids?.split(',') ?? []);
        isNew = (index) => inserted.has(batch.ids[index]!.toLowerCase());
      }
    }
    // After the commit: a Redis failure here is retried with the batch, and the rows already
    // stored are duplicates then, so the realtime figures may miss a batch but never double it.
    const counted: RealtimeEvent[] = [];
    for (let i = 0; i < batch.size; i++) {
      if (!isNew(i)) continue;
      counted.push({
        type: batch.types[i]!,
        userId: batch.userIds[i]!,
        occurredAt: new Date(batch.times[i]!),
        active: batch.actorIds[i] === batch.userIds[i],
      });
    }
    await realtime.record(counted);
    const duplicates = events.length - expired - counted.length;
    metrics.ingested.inc(counted.length);
    metrics.duplicates.inc(duplicates);
    metrics.expired.inc(expired);
    if (newest) metrics.lagSeconds.set(Math.max(0, (Date.now() - newest) / 1000));
    stopTimer();
    return { stored: counted.length, duplicates, expired };
  }

  /** How the `analytics.ingest` group consumes: batch size, partitions in flight (the bench uses the same). */
  get consumeOptions(): BatchConsumeOptions {
    return {
      maxBatchSize: this.deps.batchSize,
      partitionsConcurrently: INGEST_PARTITIONS_CONCURRENTLY,
      maxBytesPerPartition: INGEST_FETCH_BYTES_PER_PARTITION,
      // The next fetch and its parsing overlap the current batch's statement (redelivered
      // after a crash in between: the history's key makes that a duplicate).
      fetchAhead: true,
    };
  }

  /** Joins the `analytics.ingest` group: batches of up to ANALYTICS_BATCH_SIZE records per partition. */
  async startConsumer(bus: EventBus): Promise<() => Promise<void>> {
    const consumer = await consumeEventBatches(
      bus,
      this.deps.logger,
      analyticsEvents,
      async (events) => {
        await this.ingest(events);
      },
      this.consumeOptions,
    );
    return () => consumer.close();
  }
}
