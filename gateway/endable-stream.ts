const DONE = { done: true, value: undefined } as const;

/**
 * Wraps a subscription's result stream so its transport can end it with one last
 * result (an error the client must see, e.g. UNAUTHENTICATED when its session ended),
 * even while the consumer waits in next(). Upstream is released and `onClose` runs
 * exactly once, however the stream ends.
 */
export class EndableStream<R> implements AsyncIterableIterator<R> {
  private state: 'open' | 'ending' | 'closed' = 'open';
  private final: R | undefined;
  private wake: (() => void) | undefined;
  private released = false;

  constructor(
    private readonly inner: AsyncIterator<R>,
    private readonly onClose: () => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<R>> {
    if (this.state === 'open') {
      const ended = new Promise<void>((resolve) => (this.wake = resolve));
      const result = await Promise.race([this.inner.next(), ended]);
      this.wake = undefined;
      if (this.state === 'open') {
        if (result?.done) this.finish();
        return result ?? DONE;
      }
    }
    if (this.state === 'ending') {
      this.state = 'closed';
      return { done: false, value: this.final as R };
    }
    return DONE;
  }

  async return(): Promise<IteratorResult<R>> {
    this.finish();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<R>> {
    this.finish();
    throw error;
  }

  /** Ends the stream: the consumer gets `last`, then done; upstream is released now. */
  end(last: R): void {
    if (this.state !== 'open') return;
    this.state = 'ending';
    this.final = last;
    this.release();
    this.wake?.();
  }

  get open(): boolean {
    return this.state === 'open';
  }

  private finish(): void {
    this.state = 'closed';
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.onClose();
    void this.inner.return?.().catch(() => undefined);
  }
}
