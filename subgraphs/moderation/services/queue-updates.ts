import { AsyncQueue } from '../../../platform/async-queue.js';
import type { SharedState } from '../../../platform/state/shared-state.js';
import type { ModerationStatus } from '../entities/moderation-case.js';

export const QUEUE_UPDATE_KINDS = ['QUEUED', 'CLAIMED', 'DECIDED', 'ESCALATED', 'APPEALED', 'APPEAL_RESOLVED'] as const;
export type QueueUpdateKind = (typeof QUEUE_UPDATE_KINDS)[number];

/** A change to the review queue, as it travels between replicas. */
export interface QueueUpdate {
  kind: QueueUpdateKind;
  caseId: string;
  status: ModerationStatus;
  actorId: string | null;
  occurredAt: string;
}

const CHANNEL = 'moderation-queue';

/** Queue changes over shared pub/sub (Redis in production), so every replica's subscribers see them. */
export class QueueUpdates {
  constructor(private readonly state: SharedState) {}

  publish(update: Omit<QueueUpdate, 'occurredAt'>): Promise<void> {
    return this.state.pubsub.publish(CHANNEL, JSON.stringify({ ...update, occurredAt: new Date().toISOString() }));
  }

  async follow(): Promise<AsyncQueue<QueueUpdate>> {
    const subscription: { close?: () => Promise<void> } = {};
    const queue = new AsyncQueue<QueueUpdate>(() => void subscription.close?.());
    subscription.close = await this.state.pubsub.subscribe(CHANNEL, (json) => queue.push(JSON.parse(json)));
    return queue;
  }
}
