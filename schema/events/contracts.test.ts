import { InvalidEventError, parseEvent } from './contracts.js';

const valid = {
  id: '01900000-0000-7000-8000-000000000001',
  type: 'user.status_changed',
  occurredAt: '2026-11-25T10:00:00.000Z',
  actorId: null,
  userId: '01900000-0000-7000-8000-000000000002',
  payload: { from: 'ACTIVE', to: 'BANNED', reason: 'spam' },
};

describe('event contracts', () => {
  test('a valid event parses with its typed payload', () => {
    expect(parseEvent(JSON.stringify(valid))).toEqual(valid);
  });

  test('fields outside the envelope are dropped', () => {
    expect(parseEvent(JSON.stringify({ ...valid, extra: 1 }))).toEqual(valid);
  });

  test.each([
    ['not JSON', '{'],
    ['unknown type', JSON.stringify({ ...valid, type: 'user.teleported' })],
    ['bad payload', JSON.stringify({ ...valid, payload: { from: 'ACTIVE', to: 'EXILED', reason: null } })],
    ['bad envelope', JSON.stringify({ ...valid, id: 'nope' })],
    ['not an object', JSON.stringify([valid])],
    ['null', 'null'],
    ['actorId missing', JSON.stringify({ ...valid, actorId: undefined })],
    ['userId not a uuid', JSON.stringify({ ...valid, userId: '01900000-0000-7000-8000-00000000000' })],
    ['occurredAt with an offset', JSON.stringify({ ...valid, occurredAt: '2026-11-25T10:00:00+01:00' })],
    ['occurredAt not a date', JSON.stringify({ ...valid, occurredAt: '2026-02-30T10:00:00Z' })],
    ['type not a string', JSON.stringify({ ...valid, type: 7 })],
  ])('%s is refused', (_, json) => {
    expect(() => parseEvent(json)).toThrow(InvalidEventError);
  });
});
