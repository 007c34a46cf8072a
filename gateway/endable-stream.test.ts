import { EndableStream } from './endable-stream.js';

/** An upstream that yields what is pushed and records whether it was closed. */
function upstream() {
  const queue: number[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const iterator: AsyncIterator<number> = {
    async next() {
      while (queue.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      if (closed) return { done: true, value: undefined };
      return { done: false, value: queue.shift()! };
    },
    async return() {
      closed = true;
      wake?.();
      return { done: true, value: undefined };
    },
  };
  return {
    iterator,
    push: (value: number) => {
      queue.push(value);
      wake?.();
    },
    closed: () => closed,
  };
}

describe('EndableStream', () => {
  test('passes results through; return() closes upstream and runs onClose once', async () => {
    const source = upstream();
    let closes = 0;
    const stream = new EndableStream(source.iterator, () => (closes += 1));
    source.push(1);
    expect(await stream.next()).toEqual({ done: false, value: 1 });
    await stream.return();
    await stream.return();
    expect(source.closed()).toBe(true);
    expect(closes).toBe(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  test('end() reaches a consumer waiting in next(): the last result, then done', async () => {
    const source = upstream();
    let closes = 0;
    const stream = new EndableStream(source.iterator, () => (closes += 1));
    const waiting = stream.next();
    stream.end(-1);
    expect(await waiting).toEqual({ done: false, value: -1 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(source.closed()).toBe(true);
    expect(closes).toBe(1);
  });

  test('end() between reads: the next read gets the last result', async () => {
    const source = upstream();
    const stream = new EndableStream(source.iterator, () => undefined);
    stream.end(-2);
    stream.end(-3); // only the first end counts
    expect(await stream.next()).toEqual({ done: false, value: -2 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});
