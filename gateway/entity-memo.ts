import type { GraphQLDataSource } from '@apollo/gateway';

type ProcessOptions = Parameters<GraphQLDataSource['process']>[0];
type Response = Awaited<ReturnType<GraphQLDataSource['process']>>;

interface Entry {
  /** Fresh until then; served stale (while a refresh runs) until expiresAt + ttl. */
  expiresAt: number;
  /** The first fetch, until it has answered. */
  pending?: Promise<Response>;
  value?: Response;
  refreshing?: Promise<Response>;
}

/**
 * Fetch results remembered for a short time per identity (the gateway keys them): the chunks of a
 * streamed reply all ask the users subgraph for the same user, so sixty chunks in three
 * seconds cost a few fetches instead of sixty. Concurrent asks share one fetch. Once an
 * answer is older than the TTL it is refreshed in the background while events keep
 * getting it (events are delivered in order, so waiting for a refresh would hold up every
 * chunk behind it); past twice the TTL, events wait for a fresh one. Responses with errors
 * are not kept; each caller gets its own copy (the executor merges into it).
 */
export class EntityMemo {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxEntries = 100,
  ) {}

  get(key: string, fetch: () => Promise<Response>): Promise<Response> {
    if (!(this.ttlMs > 0)) return fetch();
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry?.pending) return entry.pending.then(copyResponse);
    if (entry?.value) {
      if (now < entry.expiresAt) return Promise.resolve(copyResponse(entry.value));
      const refresh = entry.refreshing ?? this.refresh(key, entry, fetch);
      if (now < entry.expiresAt + this.ttlMs) return Promise.resolve(copyResponse(entry.value));
      return refresh.then(copyResponse);
    }
    if (this.entries.size >= this.maxEntries) this.evict(now);
    const fresh: Entry = { expiresAt: Number.POSITIVE_INFINITY };
    const pending = fetch();
    fresh.pending = pending;
    this.entries.set(key, fresh);
    pending.then(
      (result) => {
        fresh.pending = undefined;
        if (result.errors?.length) return this.forget(key, fresh);
        fresh.value = result;
        fresh.expiresAt = this.now() + this.ttlMs;
      },
      () => this.forget(key, fresh),
    );
    return pending.then(copyResponse);
  }

  /** A data source answering through this memo; `prefix` scopes its keys (identity and subgraph). */
  wrap(prefix: string, source: GraphQLDataSource): GraphQLDataSource {
    return {
      process: (options: ProcessOptions) =>
        this.get(`${prefix}\n${options.request.query}\n${JSON.stringify(options.request.variables ?? {})}`, () =>
          source.process(options),
        ),
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private refresh(key: string, entry: Entry, fetch: () => Promise<Response>): Promise<Response> {
    const refreshing = fetch();
    entry.refreshing = refreshing;
    refreshing.then(
      (result) => {
        entry.refreshing = undefined;
        // A failed refresh keeps the old answer for its grace period; the next event tries again.
        if (result.errors?.length || this.entries.get(key) !== entry) return;
        entry.value = result;
        entry.expiresAt = this.now() + this.ttlMs;
      },
      () => (entry.refreshing = undefined),
    );
    return refreshing;
  }

  private forget(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  private evict(now: number): void {
    for (const [name, entry] of this.entries) {
      if (entry.value && entry.expiresAt + this.ttlMs <= now) this.entries.delete(name);
    }
    // Still full (a selection with many distinct fetches): start over.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
  }
}

/** data, errors and extensions only: `http` (the raw response) is not the executor's business. */
export function copyResponse(response: Response): Response {
  const { data, errors, extensions } = response;
  return structuredClone({ data, errors, extensions }) as Response;
}
