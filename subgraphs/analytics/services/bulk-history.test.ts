import { InvalidEventError, parseEvent } from '../../../schema/events/contracts.js';
import { arrayLiteral, bareArrayLiteral } from './bulk-history.js';

const tracked = (type: string, occurredAt = '2026-11-25T10:00:00.000Z', id = '01900000-0000-7000-8000-000000000001') =>
  JSON.stringify({
    id,
    type: 'client.tracked',
    occurredAt: '2026-11-25T10:00:01.000Z',
    actorId: '01900000-0000-7000-8000-000000000002',
    userId: '01900000-0000-7000-8000-000000000002',
    payload: { type, properties: {}, occurredAt },
  });

describe('array literals for the ingest', () => {
  test('bare values are written as they are, null as NULL', () => {
    expect(bareArrayLiteral(['a.b', null, '2026-11-25T10:00:00.000Z'])).toBe('{a.b,NULL,2026-11-25T10:00:00.000Z}');
    expect(bareArrayLiteral([])).toBe('{}');
  });

  test("what the contracts accept needs no quoting: the bare literal equals the quoting one's", () => {
    const events = [tracked('page.view'), tracked('cart_v2.add_item', '2026-11-25T10:00:00Z')].map(
      (json) =>
        parseEvent(json) as { id: string; userId: string; actorId: string | null; payload: Record<string, string> },
    );
    for (const column of [
      events.map((event) => event.id),
      events.map((event) => event.payload.type!),
      events.map((event) => event.payload.occurredAt!),
      events.map((event) => event.actorId),
    ]) {
      expect(bareArrayLiteral(column)).toBe(arrayLiteral(column));
    }
  });

  // The ingest writes these columns bare: a value that would need quoting must never get that far.
  test.each([
    ['a type with a comma', tracked('page.view,other')],
    ['a type with a quote', tracked('page."view')],
    ['a type that reads as NULL', tracked('null')],
    ['a time with a brace', tracked('page.view', '2026-11-25T10:00:00.000Z}')],
    ['an id with a comma', tracked('page.view', undefined, '01900000-0000-7000-8000-000000000001,x')],
  ])('%s is refused when parsed', (_, json) => {
    expect(() => parseEvent(json)).toThrow(InvalidEventError);
  });
});
