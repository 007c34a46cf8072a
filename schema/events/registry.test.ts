import { eventCatalog, type EventType } from './contracts.js';
import * as analytics from '../../subgraphs/analytics/events.js';
import * as companions from '../../subgraphs/companions/events.js';
import * as moderation from '../../subgraphs/moderation/events.js';
import * as users from '../../subgraphs/users/events.js';

/** Every subgraph's events.ts: what it writes and the consumer groups it runs. */
const subgraphs = { users, companions, moderation, analytics };

/**
 * Contracts that exist before their producer: media will publish them. Each
 * must have no producer yet (move it out of this list when one lands) and a consumer.
 */
const PLANNED: readonly EventType[] = ['media.uploaded'];

describe('event registry', () => {
  const published = new Set<EventType>(Object.values(subgraphs).flatMap((events) => [...events.publishes]));
  const consumers = Object.values(subgraphs).flatMap((events) => [...events.consumers]);

  test('every consumed type has a producer', () => {
    const orphans = consumers.flatMap((spec) =>
      spec.types.filter((type) => !published.has(type) && !PLANNED.includes(type)),
    );
    expect(orphans).toEqual([]);
  });

  test('planned events have no producer yet, and someone waiting for them', () => {
    expect(PLANNED.filter((type) => published.has(type))).toEqual([]);
    const consumed = new Set<EventType>(consumers.flatMap((spec) => [...spec.types]));
    expect(PLANNED.filter((type) => !consumed.has(type))).toEqual([]);
  });

  test('each consumer reads the topic its types travel on', () => {
    for (const spec of consumers) {
      for (const type of spec.types) expect(eventCatalog[type].topics).toContain(spec.topic);
    }
  });

  test('consumer groups are unique across subgraphs', () => {
    const groups = consumers.map((spec) => spec.groupId);
    expect(new Set(groups).size).toBe(groups.length);
  });

  test('every event in the catalog has a producing subgraph (planned ones: none yet)', () => {
    // Most events have one owner; content.posted is written by every subgraph holding content.
    const wrong = Object.keys(eventCatalog).filter((type) => {
      const count = Object.values(subgraphs).filter((events) =>
        (events.publishes as readonly string[]).includes(type),
      ).length;
      return PLANNED.includes(type as EventType) ? count !== 0 : count === 0;
    });
    expect(wrong).toEqual([]);
  });

  // content.posted: every subgraph holding content; user.erasure_completed and user.export_part:
  // every subgraph answering an erasure or an export.
  test('only content.posted, user.erasure_completed and user.export_part have several producers', () => {
    const shared = Object.keys(eventCatalog).filter(
      (type) =>
        Object.values(subgraphs).filter((events) => (events.publishes as readonly string[]).includes(type)).length > 1,
    );
    expect(shared.sort()).toEqual(['content.posted', 'user.erasure_completed', 'user.export_part']);
  });
});
