/**
 * `npm run bench -- moderation`: the moderation module's four targets, each printed beside its
 * figure and a baseline of the same run. BENCH_MODERATION_PARTS narrows it (all by default):
 * classifier (in-process), consumer (the subgraph's consumer in this process, on the profile's
 * bus), latency and queue (the whole graph as `npm start` runs it, through the gateway).
 */
import { out } from './common.js';
import type { Benchmark, BenchSettings } from './harness.js';
import { classifierLatency } from './moderation-classifier.js';
import { consumerThroughput } from './moderation-consumer.js';
import { moderationThroughGateway } from './moderation-graph.js';

const PARTS = ['classifier', 'consumer', 'latency', 'queue'] as const;

function partsOf(env: NodeJS.ProcessEnv): Set<string> {
  const raw = env.BENCH_MODERATION_PARTS;
  if (!raw) return new Set(PARTS);
  const wanted = raw.split(',').map((part) => part.trim());
  const unknown = wanted.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length)
    throw new Error(`BENCH_MODERATION_PARTS: unknown ${unknown.join(', ')}; known: ${PARTS.join(', ')}`);
  return new Set(wanted);
}

async function run(settings: BenchSettings): Promise<void> {
  const parts = partsOf(settings.env);
  if (parts.has('classifier')) {
    out('## local classifier on 4,000-character messages');
    await classifierLatency(settings);
  }
  if (parts.has('consumer')) {
    out();
    out('## consumer throughput');
    await consumerThroughput(settings);
  }
  if (parts.has('latency') || parts.has('queue')) {
    out();
    out('## through the gateway (the whole graph in one process, as npm start runs it)');
    await moderationThroughGateway(settings, parts);
  }
}

export const moderation: Benchmark = {
  name: 'moderation',
  description: 'local classifier p99, consumer throughput, sendMessage → decision p95, moderation queue first page p95',
  run,
};
