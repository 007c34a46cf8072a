import { isReadOperation, RequestMerger } from './request-merging.js';

/** A call that stays in flight until released, counting how often it ran. */
function gate<T>(value: T) {
  let release: () => void = () => undefined;
  let calls = 0;
  const call = () => {
    calls += 1;
    return new Promise<T>((resolve) => (release = () => resolve(value)));
  };
  return { call, release: () => release(), calls: () => calls };
}

describe('request merging', () => {
  test('identical keys in flight share one call; each waiter gets its own copy', async () => {
    let merged = 0;
    const merger = new RequestMerger<{ n: number[] }>(
      (value) => structuredClone(value),
      () => (merged += 1),
    );
    const upstream = gate({ n: [1] });
    const first = merger.run('k', upstream.call);
    const second = merger.run('k', upstream.call);
    upstream.release();
    const [a, b] = await Promise.all([first, second]);
    expect(upstream.calls()).toBe(1);
    expect(merged).toBe(1);
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    // Settled: the next call goes upstream again.
    const again = gate({ n: [2] });
    const third = merger.run('k', again.call);
    again.release();
    expect(await third).toEqual({ n: [2] });
    expect(merger.pending).toBe(0);
  });

  test('different keys are never merged; a failure reaches every waiter and is not kept', async () => {
    const merger = new RequestMerger<number>((value) => value);
    const a = gate(1);
    const b = gate(2);
    const results = [merger.run('alice', a.call), merger.run('bob', b.call)];
    a.release();
    b.release();
    expect(await Promise.all(results)).toEqual([1, 2]);

    let fail: (error: Error) => void = () => undefined;
    const failing = () => new Promise<number>((_, reject) => (fail = reject));
    const both = [merger.run('k', failing), merger.run('k', failing)];
    fail(new Error('down'));
    await expect(both[0]).rejects.toThrow('down');
    await expect(both[1]).rejects.toThrow('down');
    expect(merger.pending).toBe(0);
  });

  test('only queries are reads', () => {
    expect(isReadOperation('query Me__users__0 { me { id } }')).toBe(true);
    expect(isReadOperation('{ me { id } }')).toBe(true);
    expect(isReadOperation('mutation Login__users__0($i: LoginInput!) { login(input: $i) { accessToken } }')).toBe(
      false,
    );
    expect(isReadOperation('subscription { ticks { n } }')).toBe(false);
  });
});
