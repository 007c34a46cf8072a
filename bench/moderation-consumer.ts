/**
 * Consumer throughput: content events → decisions. The moderation subgraph is started in this
 * process with the project's own start functions (`createRuntime` + `startSubgraph`), so on the
 * embedded profile its in-process bus is the one the benchmark publishes on; on the services
 * profile the same code goes through Kafka. A batch of `content.posted` events is published
 * at once and timed until the last `moderation.decided` record of the batch is read back from
 * `moderation-decisions` (a consumer group of the benchmark's own): classification, the case's
 * transaction, the outbox and the bus are all inside the figure.
 *
 * Baselines in the same run, alternating with the batches: the same texts' bare classification
 * (the local classifier called in a loop) and a bare insert per event (one row, one transaction
 * on the subgraph's database: the least a consumer that records what it processed must do).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig } from '../platform/config.js';
import { closeRuntime, createRuntime, type Runtime } from '../platform/server/runtime.js';
import { startSubgraph, type RunningService } from '../platform/server/subgraph-server.js';
import { parseEvent, Topic, type EventEnvelope } from '../schema/events/contracts.js';
import { moderationSubgraph } from '../subgraphs/moderation/schema.js';
import { parseClassifierSettings } from '../subgraphs/moderation/services/classifiers/index.js';
import { createLocalClassifier } from '../platform/content-safety/local-classifier.js';
import { loadModerationSettings } from '../subgraphs/moderation/settings.js';
import { cleanUp, median, out, runIdOf, serverEnv, verdict } from './common.js';
import { envNumber, formatNumber, printTable, type BenchSettings, type Cell } from './harness.js';
import { ENGLISH, FRENCH, message } from './moderation-classifier.js';

const TARGET_PER_SECOND = 5_000;
/** A batch whose decisions stop arriving for this long is reported as stalled, not awaited. */
const STALL_MS = 30_000;
const PUBLISH_CHUNK = 500;
/** Authors the events are keyed by: enough to spread them over every partition. */
const AUTHORS = Array.from({ length: 32 }, () => uuidv7());

interface Batch {
  events: number;
  decided: number;
  /** Publish of the first event → the last decision read back. */
  elapsedMs: number;
  publishMs: number;
  /** This process's CPU time (user + system) over the batch: the figure a busy shared machine disturbs least. */
  cpuMs: number;
}

/** Texts the classifier decides on its own (no human queue), so each event ends in a decision record. */
function batchTexts(count: number, chars: number, seedBase: number, decides: (text: string) => boolean): string[] {
  const texts: string[] = [];
  for (let seed = seedBase; texts.length < count; seed++) {
    const text =
      seed % 2 ? message(FRENCH, 'fr', seed, seed % 10 === 3, chars) : message(ENGLISH, 'en', seed, false, chars);
    if (decides(text)) texts.push(text);
  }
  return texts;
}

function envelopes(texts: string[]): EventEnvelope<'content.posted'>[] {
  return texts.map((text, i) => {
    const userId = AUTHORS[i % AUTHORS.length]!;
    return {
      id: uuidv7(),
      type: 'content.posted',
      occurredAt: new Date().toISOString(),
      actorId: userId,
      userId,
      payload: { kind: 'USER_MESSAGE', contentId: uuidv7(), conversationId: uuidv7(), text },
    };
  });
}

/** Decisions read back from `moderation-decisions`, matched to the content ids of the batch. */
class DecisionWatch {
  private waiting = new Set<string>();
  private lastAt = 0;
  private wake: () => void = () => undefined;

  constructor(private readonly runtime: Runtime) {}

  async start(groupId: string) {
    return this.runtime.bus.consume({
      groupId,
      topics: [Topic.moderationDecisions],
      onRecord: async (record) => {
        const event = parseEvent(record.value);
        if (event.type !== 'moderation.decided' || !this.waiting.delete(event.payload.contentId)) return;
        this.lastAt = performance.now();
        if (this.waiting.size === 0) this.wake();
      },
    });
  }

  expect(contentIds: string[]) {
    this.waiting = new Set(contentIds);
    this.lastAt = 0;
  }

  /** Resolves when every expected decision arrived, or none did for STALL_MS. */
  async settle(): Promise<{ missing: number; lastAt: number }> {
    let seen = this.waiting.size;
    let progressAt = performance.now();
    while (this.waiting.size > 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 250);
      });
      if (this.waiting.size !== seen) {
        seen = this.waiting.size;
        progressAt = performance.now();
      } else if (performance.now() - progressAt > STALL_MS) break;
    }
    return { missing: this.waiting.size, lastAt: this.lastAt };
  }
}

async function runBatch(runtime: Runtime, watch: DecisionWatch, texts: string[]): Promise<Batch> {
  const events = envelopes(texts);
  watch.expect(events.map((e) => e.payload.contentId));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let at = 0; at < events.length; at += PUBLISH_CHUNK) {
    await runtime.bus.publish(
      Topic.content,
      events.slice(at, at + PUBLISH_CHUNK).map((e) => ({ key: e.userId, value: JSON.stringify(e) })),
    );
  }
  const publishMs = performance.now() - started;
  const { missing, lastAt } = await watch.settle();
  const endedAt = lastAt || performance.now(); // nothing decided: the rate is 0 over the whole wait
  const cpu = process.cpuUsage(cpuBefore);
  return {
    events: events.length,
    decided: events.length - missing,
    elapsedMs: endedAt - started,
    publishMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** The same texts through the bare local classifier, in a loop: events/s if classifying were all. */
function bareClassification(texts: string[]): number {
  const local = createLocalClassifier();
  let sink = 0;
  const started = performance.now();
  for (const text of texts) sink += local.classifyText(text).confidence;
  const elapsed = performance.now() - started;
  if (sink < 0) out('unreachable');
  return texts.length / (elapsed / 1000);
}

/** One row per transaction into `processed_events` (ids never used by any event): rows/s. */
async function bareInserts(service: RunningService, count: number): Promise<number> {
  const orm = service.orm!;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await orm.em.fork().transactional(async (tx) => {
      await tx
        .getConnection()
        .execute(
          'insert into "processed_events" ("event_id", "processed_at") values (?, now())',
          [uuidv7()],
          'run',
          tx.getTransactionContext(),
        );
    });
  }
  return count / ((performance.now() - started) / 1000);
}

export async function consumerThroughput(settings: BenchSettings): Promise<void> {
  const count = Math.floor(envNumber(settings.env, 'BENCH_MODERATION_EVENTS', 5_000, 10));
  const chars = Math.floor(envNumber(settings.env, 'BENCH_MODERATION_EVENT_CHARS', 280, 1));
  const rounds = settings.rounds;
  const runId = runIdOf();
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-bench-moderation-consumer-'));
  const env = serverEnv(settings.env, runId, dataDir);
  const config = loadConfig(env);
  // The subgraph's services read their classifier and thresholds from this process's environment:
  // the target is the local classifier's, and a benchmark calls nothing beyond loopback.
  const callerProvider = process.env.MODERATION_PROVIDER;
  process.env.MODERATION_PROVIDER = 'local';
  const provider = parseClassifierSettings(process.env).provider;
  const thresholds = loadModerationSettings(process.env);
  const local = createLocalClassifier();
  const decides = (text: string) => {
    const confidence = local.classifyText(text).confidence;
    return confidence >= thresholds.autoApprove || confidence < thresholds.autoReject;
  };
  out(
    `${count} content.posted events of ${chars} characters per batch (BENCH_MODERATION_EVENTS, ` +
      `BENCH_MODERATION_EVENT_CHARS), published at once; ${rounds} rounds; classifier: ${provider}; ` +
      `moderation subgraph in this process on ${config.KAFKA_BROKERS ? 'Kafka' : 'the in-process bus'}`,
  );
  const runtime = await createRuntime(config, 'bench');
  let service: RunningService | undefined;
  let consumer: { close(): Promise<void> } | undefined;
  try {
    service = await startSubgraph(moderationSubgraph, runtime, { port: 0 });
    const watch = new DecisionWatch(runtime);
    consumer = await watch.start(`bench.moderation-decisions.${runId}`);
    // Unrecorded: JIT, the database's caches, the consumer group's first fetches.
    const warm = await runBatch(runtime, watch, batchTexts(Math.min(count, 200), chars, 1_000_000, decides));
    if (warm.decided < warm.events) throw new Error(`warm-up: ${warm.decided} of ${warm.events} events decided`);

    const batches: Batch[] = [];
    const classifyRates: number[] = [];
    const insertRates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const texts = batchTexts(count, chars, round * count * 2, decides);
      const steps = [
        async () => void batches.push(await runBatch(runtime, watch, texts)),
        async () => void classifyRates.push(bareClassification(texts)),
        async () => void insertRates.push(await bareInserts(service!, count)),
      ];
      if (round % 2 === 1) steps.reverse();
      for (const step of steps) await step();
    }
    const rate = (b: Batch) => b.decided / (b.elapsedMs / 1000);
    // Wall time counts the neighbours' work too; CPU time per event compares two builds on a shared machine.
    const cpuPerEvent = (b: Batch) => (b.cpuMs * 1000) / Math.max(1, b.decided);
    const perSecond = median(batches.map(rate));
    const rows: Record<string, Cell>[] = [
      {
        path: 'consumer: content.posted → moderation.decided',
        'per s (median)': Math.round(perSecond),
        'per s (rounds)': batches.map((b) => Math.round(rate(b))).join(' / '),
        note: `publish took ${formatNumber(median(batches.map((b) => b.publishMs)))} ms; ${batches.reduce((s, b) => s + b.decided, 0)} of ${batches.reduce((s, b) => s + b.events, 0)} decided`,
      },
      {
        path: 'consumer: CPU time per event (µs)',
        'per s (median)': Math.round(median(batches.map(cpuPerEvent))),
        'per s (rounds)': batches.map((b) => Math.round(cpuPerEvent(b))).join(' / '),
        note: `this process, user + system; 1 s of CPU ÷ it = ${Math.round(1e6 / median(batches.map(cpuPerEvent)))}/s`,
      },
      {
        path: 'baseline: bare local classification',
        'per s (median)': Math.round(median(classifyRates)),
        'per s (rounds)': classifyRates.map(Math.round).join(' / '),
        note: 'same texts, classifier only',
      },
      {
        path: 'baseline: bare insert, 1 row per transaction',
        'per s (median)': Math.round(median(insertRates)),
        'per s (rounds)': insertRates.map(Math.round).join(' / '),
        note: 'processed_events on the same database',
      },
    ];
    printTable(rows);
    const missing = batches.reduce((s, b) => s + b.events - b.decided, 0);
    if (missing) out(`${missing} events got no decision within ${STALL_MS / 1000} s of the last one (stalled)`);
    out(
      verdict(
        perSecond >= TARGET_PER_SECOND && missing === 0,
        `consumer throughput ≥ ${TARGET_PER_SECOND}/s, content events → decisions (${config.KAFKA_BROKERS ? 'Kafka' : 'embedded'})`,
        `${Math.round(perSecond)}/s median of ${rounds} rounds of ${count}; ` +
          `bare classification ${Math.round(median(classifyRates))}/s, bare insert ${Math.round(median(insertRates))}/s`,
      ),
    );
  } finally {
    await consumer?.close();
    await service?.stop();
    await closeRuntime(runtime);
    if (callerProvider === undefined) delete process.env.MODERATION_PROVIDER;
    else process.env.MODERATION_PROVIDER = callerProvider;
    rmSync(dataDir, { recursive: true, force: true });
    await cleanUp(settings.env, runId);
  }
}
