/**
 * One server process of the streaming benchmark, forked by streaming.ts:
 *
 *   node dist/bench/streaming-child.js subgraphs   every subgraph on one runtime (as scripts/stack.ts
 *                                                  starts them), without a gateway
 *   node dist/bench/streaming-child.js gateway     the gateway alone (as gateway/main.ts starts it),
 *                                                  pointed at the subgraphs by USERS_URL, COMPANIONS_URL…
 *
 * The gateway has a process of its own so its CPU, event loop and memory are its own, as in
 * production, where gateway replicas run apart from the subgraphs.
 *
 * Both record what the benchmark measures without changing what runs: the subgraphs when each
 * reply chunk is published, both the steps of each subscription's set-up (prototype wrappers).
 *
 * IPC (see streaming-ipc.ts): → ready; ← phase-start → phase-started (CPU and loop-delay
 * counters reset); ← phase-end → phase-ended (CPU, loop delay, chunks published and set-up steps
 * meanwhile); ← memory → memory (after a full GC when run with --expose-gc); ← stop → stops and exits.
 */
import 'reflect-metadata';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { loadConfig } from '../platform/config.js';
import { closeRuntime, createRuntime, type Runtime } from '../platform/server/runtime.js';
import { startSubgraph } from '../platform/server/subgraph-server.js';
import { startGateway } from '../gateway/gateway-server.js';
import { UpstreamConnections } from '../gateway/upstream-connections.js';
import { subgraphModules } from '../scripts/subgraph-models.js';
import { ChatService } from '../subgraphs/companions/services/chat-service.js';
import { nowMs, type ChildCommand, type ChildMessage, type EmitRecord, type PhaseStats } from './streaming-ipc.js';

const send = (message: ChildMessage) => process.send?.(message);

const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
let cpuAtStart = process.cpuUsage();

/** Reply chunks as published: times now, parsed only when the phase ends (keeps the hot path cheap). */
const published = new Map<string, { at: number[]; json: string[] }>();
const REPLY_CHANNEL = 'reply:';

/**
 * "Provider emit" is the moment the companions subgraph hands chunk i to pub/sub
 * (ReplyStreams.publish, right after the provider yielded the token and it was appended to
 * the replay buffer). Every subscriber, on either path, is fed from that publish.
 */
function recordEmits(runtime: Runtime): void {
  const pubsub = runtime.state.pubsub;
  const publish = pubsub.publish.bind(pubsub);
  pubsub.publish = (channel, message) => {
    if (channel.startsWith(REPLY_CHANNEL)) {
      const messageId = channel.slice(REPLY_CHANNEL.length);
      let record = published.get(messageId);
      if (!record) published.set(messageId, (record = { at: [], json: [] }));
      record.at.push(nowMs());
      record.json.push(message);
    }
    return publish(channel, message);
  };
}

/** Set-up steps of each subscription, by message id (see PhaseStats.marks). */
let marks: Record<string, Record<string, number[]>> = {};
function mark(messageId: unknown, step: string, at = nowMs()): void {
  if (typeof messageId !== 'string') return;
  const steps = (marks[messageId] ??= {});
  (steps[step] ??= []).push(at);
}

/**
 * Observes (never changes) how the gateway opens an upstream subscription: when it asks, when
 * the upstream socket opens and is acknowledged (only for the first subscription of a client
 * connection: later ones share it), and when the first event arrives. Wrapped at the prototype
 * so the gateway's code is exactly what runs in production; skipped if its shape changed.
 */
function observeUpstream(): void {
  const proto = UpstreamConnections.prototype;
  const subscribe = proto.subscribe;
  if (typeof subscribe !== 'function') return;
  type Clients = Map<string, { on(event: string, listener: () => void): () => void }>;
  proto.subscribe = function (this: UpstreamConnections, serviceName, request, requestId, sink) {
    const messageId = request.variables.messageId;
    mark(messageId, 'upstreamRequested');
    const clients = (this as unknown as { clients?: Clients }).clients;
    const fresh = clients instanceof Map && !clients.has(serviceName);
    let first = true;
    const release = subscribe.call(this, serviceName, request, requestId, {
      ...sink,
      next: (event) => {
        if (first) mark(messageId, 'upstreamFirstEvent');
        first = false;
        sink.next(event);
      },
    });
    const client = fresh ? clients.get(serviceName) : undefined;
    client?.on('opened', () => mark(messageId, 'upstreamOpened'));
    client?.on('connected', () => mark(messageId, 'upstreamAcknowledged'));
    return release;
  };
}

/** Observes when the companions subgraph starts serving a replyStream and when it has it ready. */
function observeStreams(): void {
  const proto = ChatService.prototype;
  const stream = proto.stream;
  if (typeof stream !== 'function') return;
  proto.stream = async function (this: ChatService, ...args: Parameters<ChatService['stream']>) {
    const messageId = args[3];
    mark(messageId, 'streamStarted');
    const queue = await stream.apply(this, args);
    mark(messageId, 'streamReady');
    return queue;
  };
}

function takeEmits(): Record<string, EmitRecord> {
  const emits: Record<string, EmitRecord> = {};
  for (const [messageId, record] of published) {
    const chunks = record.json.map((json) => JSON.parse(json) as { index: number; done: boolean });
    emits[messageId] = {
      index: chunks.map((chunk) => chunk.index),
      at: record.at,
      doneIndex: chunks.find((chunk) => chunk.done)?.index ?? -1,
    };
  }
  published.clear();
  return emits;
}

function phaseStats(): PhaseStats {
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    loopP50Ms: loopDelay.percentile(50) / 1e6,
    loopP99Ms: loopDelay.percentile(99) / 1e6,
    loopMaxMs: loopDelay.max / 1e6,
    emits: takeEmits(),
    marks: takeMarks(),
  };
}

function takeMarks(): Record<string, Record<string, number[]>> {
  const taken = marks;
  marks = {};
  return taken;
}

async function memory(): Promise<{ usage: NodeJS.MemoryUsage; collected: boolean }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    // A few rounds with turns in between, so weak callbacks and finalizers run and free more.
    for (let i = 0; i < 4; i++) {
      gc();
      await nextTurn();
    }
  }
  return { usage: process.memoryUsage(), collected: gc !== undefined };
}

try {
  const role = process.argv[2];
  const config = loadConfig(process.env);
  const runtime = await createRuntime(config, role === 'gateway' ? 'gateway' : 'nexus');
  const services: { stop(): Promise<void> }[] = [];
  const urls: Record<string, string> = {};
  if (role === 'subgraphs') {
    recordEmits(runtime);
    observeStreams();
    const started = await Promise.all(subgraphModules.map((module) => startSubgraph(module, runtime, { port: 0 })));
    for (const service of started) {
      services.push(service);
      urls[service.name] = service.url;
    }
  } else if (role === 'gateway') {
    observeUpstream();
    const gateway = await startGateway(runtime, { port: 0 });
    services.push(gateway);
    urls.gateway = gateway.url;
  } else {
    throw new Error(`unknown role "${role}": subgraphs or gateway`);
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // The gateway first (it holds sockets to the subgraphs), then the rest.
      for (const service of services.reverse()) await service.stop().catch(() => undefined);
      await closeRuntime(runtime);
    })());
  process.on('message', (command: ChildCommand) => {
    if (command.type === 'phase-start') {
      published.clear();
      marks = {};
      loopDelay.reset();
      cpuAtStart = process.cpuUsage();
      send({ type: 'phase-started' });
    } else if (command.type === 'phase-end') {
      send({ type: 'phase-ended', stats: phaseStats() });
    } else if (command.type === 'memory') {
      void memory().then(({ usage, collected }) => send({ type: 'memory', usage, collected }));
    } else if (command.type === 'stop') {
      void stop().finally(() => process.exit(0));
    }
  });
  // The parent died without saying stop: do not linger holding ports and files.
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
  send({ type: 'ready', urls });
} catch (error) {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  // Exit once the message is out: exiting at once could drop it.
  if (process.send) process.send({ type: 'failed', error: text } satisfies ChildMessage, () => process.exit(1));
  else process.exit(1);
}
