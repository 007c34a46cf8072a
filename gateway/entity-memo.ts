import type { GraphQLDataSource } from '@apollo/gateway';

type ProcessOptions = Parameters<GraphQLDataSource['process']>[0];
type Response = Awaited<ReturnType<GraphQLDataSource['process']>>;

/**
 * Fetch results remembered for a short time within one subscription: the chunks of a
 * streamed reply all ask the users subgraph for the same user, so sixty chunks in three
 * seconds cost a few fetches instead of sixty. Concurrent asks share one fetch; responses
 * with errors are not kept; each caller gets its own copy (the executor merges into it).
 */
export class EntityMemo {
  private readonly entries = new Map<string, { expiresAt: number; response: Promise<Response> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxEntries = 100,
  ) {}

  get(key: string, fetch: () => Promise<Response>): Promise<Response> {
    if (!(this.ttlMs > 0)) return fetch();
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.response.then(copy);
    if (hit || this.entries.size >= this.maxEntries) this.evict(now, key);
    const response = fetch();
    const entry = { expiresAt: now + this.ttlMs, response };
    this.entries.set(key, entry);
    response.then(
      (result) => {
        if (result.errors?.length) this.forget(key, entry);
      },
      () => this.forget(key, entry),
    );
    return response.then(copy);
  }

  /** A data source answering through this memo (one per subscription). */
  wrap(serviceName: string, source: GraphQLDataSource): GraphQLDataSource {
    return {
      process: (options: ProcessOptions) =>
        this.get(`${serviceName}\n${options.request.query}\n${JSON.stringify(options.request.variables ?? {})}`, () =>
          source.process(options),
        ),
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private forget(key: string, entry: unknown): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  private evict(now: number, key: string): void {
    this.entries.delete(key);
    for (const [name, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(name);
    // Still full of fresh entries (a selection with many distinct fetches): start over.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
  }
}

/** data, errors and extensions only: `http` (the raw response) is not the executor's business. */
export function copyResponse(response: Response): Response {
  const { data, errors, extensions } = response;
  return structuredClone({ data, errors, extensions }) as Response;
}
const copy = copyResponse;
