import type { GraphQLDataSource } from '@apollo/gateway';
import { EntityMemo } from './entity-memo.js';

type Response = Awaited<ReturnType<GraphQLDataSource['process']>>;

describe('entity memo', () => {
  test('a fresh answer is reused (as a copy); an expired one is refreshed in the background, then waited for', async () => {
    let now = 0;
    let fetches = 0;
    const memo = new EntityMemo(1000, () => now);
    const fetch = async (): Promise<Response> => ({ data: { user: { name: `v${++fetches}` } } });
    const first = await memo.get('k', fetch);
    now = 999;
    const second = await memo.get('k', fetch);
    expect(fetches).toBe(1);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    // Expired: this event still gets v1 at once, and a refresh starts.
    now = 1000;
    expect(await memo.get('k', fetch)).toEqual({ data: { user: { name: 'v1' } } });
    expect(fetches).toBe(2);
    expect(await memo.get('k', fetch)).toEqual({ data: { user: { name: 'v2' } } });
    // Past twice the TTL nothing stale is served: the event waits for a fresh answer.
    now = 5000;
    expect(await memo.get('k', fetch)).toEqual({ data: { user: { name: 'v3' } } });
  });

  test('answers with errors and failures are not kept; concurrent asks share one fetch', async () => {
    const memo = new EntityMemo(1000, () => 0);
    let fetches = 0;
    const withErrors = async (): Promise<Response> => {
      fetches += 1;
      return { errors: [{ message: 'nope' }] as never };
    };
    await memo.get('e', withErrors);
    await memo.get('e', withErrors);
    expect(fetches).toBe(2);
    await expect(memo.get('f', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(memo.size).toBe(0);

    let calls = 0;
    const slow = () => new Promise<Response>((resolve) => setImmediate(() => resolve({ data: { n: ++calls } })));
    const [a, b] = await Promise.all([memo.get('s', slow), memo.get('s', slow)]);
    expect(calls).toBe(1);
    expect(a).toEqual(b);
  });

  test('a TTL of 0 never memoises; the number of entries stays bounded', async () => {
    let fetches = 0;
    const off = new EntityMemo(0);
    await off.get('k', async () => ({ data: { n: ++fetches } }));
    await off.get('k', async () => ({ data: { n: ++fetches } }));
    expect(fetches).toBe(2);
    const small = new EntityMemo(1000, () => 0, 3);
    for (let i = 0; i < 10; i += 1) await small.get(`k${i}`, async () => ({ data: {} }));
    expect(small.size).toBeLessThanOrEqual(3);
  });
});
