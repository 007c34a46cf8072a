/**
 * Commits a consumer's resolved offsets in the background, one commit in flight at a time.
 *
 * kafkajs' own auto-commit awaits an OffsetCommit round trip after every batch before it fetches
 * again, so every record that arrived meanwhile waited for it too. Here the batch's handler has
 * already resolved (the offsets are only ever resolved after it), the commit is requested and the
 * next fetch goes out at once. Requests while a commit is in flight coalesce into one more commit
 * of everything resolved by then. A commit that fails (a rebalance, the broker gone) leaves its
 * records to be delivered again: at least once, as before, and consumers are idempotent.
 */
export class OffsetCommitter {
  private inFlight: Promise<void> | undefined;
  private again = false;
  private latest: (() => Promise<void>) | undefined;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Commits with `commit` (the latest batch's: it commits every resolved offset) soon. */
  request(commit: () => Promise<void>): void {
    this.latest = commit;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.run().finally(() => {
      this.inFlight = undefined;
    });
  }

  /** Resolves when every requested commit has been sent and answered (or failed). */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  private async run() {
    do {
      this.again = false;
      try {
        await this.latest?.();
      } catch (error) {
        this.onError(error);
      }
    } while (this.again);
  }
}
