import { concurrentStatements, type EntityManager, type Orm } from '../../../platform/orm.js';
import { funnelSql, type UserRange } from './funnel-sql.js';
import type { Window } from './ranges.js';
import { boundRowsWithHashJoins, rows } from './sql.js';

/** Parts a funnel runs in on `orm`: those wanted, or fewer when the database runs fewer statements at once. */
export const funnelPartsOn = (orm: Orm, wanted: number) => Math.min(wanted, concurrentStatements(orm));

/** How long the split points between parts serve before they are read again. */
const BOUNDS_TTL_MS = 10 * 60_000;

/**
 * Runs the funnel statement (funnel-sql.ts) in `parts` parts by user, side by side on their
 * own connections, and adds up their counts: a user's path through the steps depends on their
 * own rows only, so each part is the same statement over a range of user ids (the last column
 * of the rows' primary key, so each part reads only its own rows). PostgreSQL runs the parts
 * on separate backends, which a single statement cannot do here (PostgreSQL 15 has no
 * parallel hash right join, the join each step relies on); one part on PGlite, a single
 * connection. Each part reads its own snapshot, so a batch stored while they run may count
 * for some users and not yet for others: no user is counted twice or lost, and the next query
 * sees it all.
 */
export class FunnelRunner {
  private bounds: { at: number; splits: string[] } | undefined;
  private reading: Promise<string[]> | undefined;

  constructor(private readonly parts: number) {}

  /** Users of each step, `steps.length` counts. */
  async count(em: EntityManager, steps: string[], window: Window, hours: number): Promise<number[]> {
    const ranges = await this.userRanges(em);
    const results = await Promise.all(
      ranges.map(async (range) => {
        const [sql, params] = funnelSql(steps, window, hours, range);
        const [row] = await boundRowsWithHashJoins<Record<string, string>>(em.fork(), sql, params);
        return steps.map((_, i) => Number(row?.[`n${i}`] ?? 0));
      }),
    );
    return steps.map((_, i) => results.reduce((sum, counts) => sum + counts[i]!, 0));
  }

  /**
   * Consecutive user id ranges covering every id, `parts` of them (fewer when there are fewer
   * users), split at the quantiles of the users active in the last two months (any split is
   * correct; an even one is fastest). Read on first use, then again in the background when 10
   * minutes old (users arrive far slower than that moves the quantiles): a funnel never waits
   * for the sort of a million ids but the first.
   */
  async userRanges(em: EntityManager): Promise<UserRange[]> {
    if (this.parts <= 1) return [{}];
    if (!this.bounds) {
      this.bounds = { at: Date.now(), splits: await (this.reading ??= this.readSplits(em)) };
    } else if (Date.now() - this.bounds.at > BOUNDS_TTL_MS && !this.reading) {
      this.reading = this.readSplits(em);
      this.reading.then(
        (splits) => (this.bounds = { at: Date.now(), splits }),
        () => undefined, // the old split serves until the next try
      );
    }
    const { splits } = this.bounds;
    return Array.from({ length: splits.length + 1 }, (_, i) => ({
      ...(i > 0 ? { from: splits[i - 1]! } : {}),
      ...(i < splits.length ? { below: splits[i]! } : {}),
    }));
  }

  private async readSplits(em: EntityManager): Promise<string[]> {
    try {
      const fractions = Array.from({ length: this.parts - 1 }, (_, i) => (i + 1) / this.parts);
      const [row] = await rows<{ splits: string[] | null }>(
        em.fork(),
        `select percentile_disc(array[${fractions.join(', ')}]::float8[]) within group (order by "user_id")::text[] as "splits"
         from "analytics_user_months"
         where "month" >= (select max("month") from "analytics_user_months") - interval '1 month'`,
      );
      return [...new Set(row?.splits ?? [])];
    } finally {
      this.reading = undefined;
    }
  }
}
