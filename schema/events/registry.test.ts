import { eventCatalog, type EventType } from './contracts.js';
import * as companions from '../../subgraphs/companions/events.js';
import * as moderation from '../../subgraphs/moderation/events.js';
import * as users from '../../subgraphs/users/events.js';

/** Every subgraph's events.ts: what it writes and the consumer groups it runs. */
const subgraphs = { users, companions, moderation };

describe('event registry', () => {
  const published = new Set<EventType>(Object.values(subgraphs).flatMap((events) => [...events.publishes]));
  const consumers = Object.values(subgraphs).flatMap((events) => [...events.consumers]);

  test('every consumed type has a producer', () => {
    const orphans = consumers.flatMap((spec) => spec.types.filter((type) => !published.has(type)));
    expect(orphans).toEqual([]);
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

  test('every event in the catalog has exactly one producing subgraph', () => {
    const producers = Object.keys(eventCatalog).map(
      (type) =>
        Object.values(subgraphs).filter((events) => (events.publishes as readonly string[]).includes(type)).length,
    );
    expect(producers.every((count) => count === 1)).toBe(true);
  });
});
