/**
 * Identical requests in flight at the same time share one upstream call: the first caller
 * starts it, later ones wait for its answer and each get their own copy. Keys decide what
 * is "identical" (the data source puts the caller's identity in them), and only reads may
 * be merged: a mutation runs once per caller, always.
 */
export class RequestMerger<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(
    private readonly copy: (value: T) => T,
    private readonly onMerged: () => void = () => undefined,
  ) {}

  run(key: string, call: () => Promise<T>): Promise<T> {
    const pending = this.inFlight.get(key);
    if (pending) {
      this.onMerged();
      return pending.then(this.copy);
    }
    const started = call();
    this.inFlight.set(key, started);
    const settle = () => {
      if (this.inFlight.get(key) === started) this.inFlight.delete(key);
    };
    started.then(settle, settle);
    return started;
  }

  get pending(): number {
    return this.inFlight.size;
  }
}

/** A query (or the `{ … }` shorthand), as the query planner prints subgraph operations; never a mutation. */
export function isReadOperation(query: string): boolean {
  return /^\s*(query\b|\{)/.test(query);
}
