import { createHash } from 'node:crypto';
import type { BatchConsumerOptions, BusRecord, Consumer, ConsumerOptions, EventBus } from './event-bus.js';

const PARTITIONS = 3;
const RETRY_DELAY_MS = 200;
const DEFAULT_BATCH = 500;

interface Member {
  options: BatchConsumerOptions;
  wake: () => void;
  closed: boolean;
}

/**
 * In-process log with Kafka's semantics: records keyed to partitions, ordered per
 * partition, consumer groups with committed offsets starting from the earliest
 * record, and partitions split between the members of a group.
 */
export function createMemoryBus(): EventBus {
  const logs = new Map<string, BusRecord[][]>();
  const offsets = new Map<string, number>(); // `${group}/${topic}/${partition}` → next offset
  const groups = new Map<string, Member[]>();
  const inFlight = new Set<string>(); // partitions a member is handling right now (survives reassignment)

  const topicLog = (topic: string) => {
    let log = logs.get(topic);
    if (!log) {
      log = Array.from({ length: PARTITIONS }, () => []);
      logs.set(topic, log);
    }
    return log;
  };
  const partitionOf = (key: string) => createHash('md5').update(key).digest().readUInt32BE(0) % PARTITIONS;
  const ownerOf = (groupId: string, partition: number) => {
    const members = groups.get(groupId) ?? [];
    return members.length ? members[partition % members.length] : undefined;
  };

  async function run(member: Member) {
    const { groupId, topics, onBatch } = member.options;
    const maxBatch = member.options.maxBatchSize ?? DEFAULT_BATCH;
    while (!member.closed) {
      let progressed = false;
      for (const topic of topics) {
        const log = topicLog(topic);
        for (let partition = 0; partition < PARTITIONS; partition++) {
          if (ownerOf(groupId, partition) !== member) continue;
          const offsetKey = `${groupId}/${topic}/${partition}`;
          if (inFlight.has(offsetKey)) continue;
          const next = offsets.get(offsetKey) ?? 0;
          const records = log[partition]!.slice(next, next + maxBatch);
          if (!records.length) continue;
          inFlight.add(offsetKey);
          try {
            await onBatch(records);
            offsets.set(offsetKey, next + records.length);
          } catch {
            // At-least-once: the same record is offered again after a pause.
            await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
          } finally {
            inFlight.delete(offsetKey);
            if (ownerOf(groupId, partition) !== member) wakeAll(); // its new owner may be waiting on it
          }
          progressed = true;
          if (member.closed) return;
        }
      }
      if (!progressed) await new Promise<void>((resolve) => (member.wake = resolve));
    }
  }

  const wakeAll = () => {
    for (const members of groups.values()) for (const member of members) member.wake();
  };

  const bus: EventBus = {
    kind: 'memory',
    async publish(topic, records) {
      const log = topicLog(topic);
      for (const { key, value } of records) {
        const partition = partitionOf(key);
        const list = log[partition]!;
        list.push({ topic, partition, offset: String(list.length), key, value });
      }
      wakeAll();
    },
    async publishAll(batches) {
      for (const { topic, records } of batches) await bus.publish(topic, records);
    },
    consume(options: ConsumerOptions): Promise<Consumer> {
      // One record at a time is a batch of one.
      const { onRecord, ...rest } = options;
      return bus.consumeBatches!({ ...rest, maxBatchSize: 1, onBatch: (records) => onRecord(records[0]!) });
    },
    async consumeBatches(options: BatchConsumerOptions): Promise<Consumer> {
      const member: Member = { options, wake: () => undefined, closed: false };
      const members = groups.get(options.groupId) ?? [];
      members.push(member);
      groups.set(options.groupId, members);
      void run(member);
      wakeAll(); // partitions were reassigned
      return {
        async close() {
          member.closed = true;
          member.wake();
          const remaining = (groups.get(options.groupId) ?? []).filter((m) => m !== member);
          groups.set(options.groupId, remaining);
          wakeAll();
        },
      };
    },
    async ping() {
      return true;
    },
    async close() {
      for (const members of groups.values()) for (const member of members) member.closed = true;
      wakeAll();
      groups.clear();
    },
  };
  return bus;
}
