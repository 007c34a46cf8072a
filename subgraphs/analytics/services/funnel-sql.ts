import type { Window } from './ranges.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A UTC month the funnel reads: its first day, as a date and as an epoch day (days since 1970-01-01). */
interface Month {
  first: string;
  startDay: number;
}

/** The UTC months from the one holding `first` to the one holding `last` (epoch milliseconds). */
function monthsBetween(first: number, last: number): Month[] {
  const months: Month[] = [];
  const at = new Date(first);
  let year = at.getUTCFullYear();
  let month = at.getUTCMonth();
  for (;;) {
    const start = Date.UTC(year, month, 1);
    if (start > last) return months;
    months.push({ first: new Date(start).toISOString().slice(0, 10), startDay: start / DAY_MS });
    month += 1;
    if (month === 12) [year, month] = [year + 1, 0];
  }
}

/** Users `user_id >= from` and `< below` (either open): one part of a funnel split by user. */
export interface UserRange {
  from?: string;
  below?: string;
}

/**
 * The months as SQL array literals: their starts (a step's time finds its month by binary
 * search, `width_bucket`) and their first days. With the UTC day of a time (`at time zone` a
 * fixed offset, no zone looked up) that gives its month and day of the month without
 * `date_trunc`/`date_part ... at time zone 'UTC'`, which looked up the zone by name and parsed
 * the unit names on every row of every step (a tenth of the time, perf).
 */
function calendarOf(months: Month[]): { starts: string; firsts: string } {
  return {
    starts: `'{${months.map((month) => new Date(month.startDay * DAY_MS).toISOString()).join(',')}}'::timestamptz[]`,
    firsts: `'{${months.map((month) => month.first).join(',')}}'::date[]`,
  };
}

/** SQL text and its parameters, in the order of their `?` in the text (numbered at the end). */
class Sql {
  constructor(
    readonly text: string,
    readonly params: unknown[],
  ) {}
}

/** Text written into the statement as it is: only for text this file builds, never input. */
const raw = (text: string) => new Sql(text, []);

/** A template: a nested `Sql` is written in with its parameters, any other value becomes a `?`. */
function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  let text = strings[0]!;
  const params: unknown[] = [];
  values.forEach((value, i) => {
    if (value instanceof Sql) {
      text += value.text;
      params.push(...value.params);
    } else {
      text += '?';
      params.push(value);
    }
    text += strings[i + 1]!;
  });
  return new Sql(text, params);
}

/** Step times `a0` … `a{count - 1}`, each followed by a comma, for a select list. */
const times = (count: number, table = '') => Array.from({ length: count }, (_, k) => `${table}"a${k}", `).join('');

/**
 * Step `i`'s users (`rows`: user_id, start, ends, a0 … a{i-1}, at), with `at` also as `a{i}`,
 * the UTC month of `at` (the next step's join key) and its day of the month.
 */
function placed(rows: Sql, i: number, calendar: ReturnType<typeof calendarOf>): Sql {
  return sql`(select *, "day" - "month" + 1 as "dom"
    from (select "user_id", "start", "ends", ${raw(times(i))}"at" as "a${raw(String(i))}", "at",
        ("at" at time zone interval '0')::date as "day", (${raw(calendar.firsts)})[width_bucket("at", ${raw(calendar.starts)})] as "month"
      from ${rows} q offset 0) d)`;
}

/**
 * The funnel as one statement over `analytics_user_type_months` (one row per user, type and
 * month, arrays by day of the month; entities/rollups.ts), for the users in `users` (all by
 * default; funnel-runner.ts runs parts side by side). Step 0: per user, the first time of
 * step 0's type at or after `from` (the month of `from`: that day's first time if not before
 * `from`, else the next day's; a later month: its first day's "next first"), kept when before
 * `to`. Each next step joins the users to its type's row of the month of their previous time
 * `at` (one hash join a step, equality on the whole key, no aggregate) and takes the first time
 * at or after `at`, on its day of the month d:
 *   - `lastAt[d] >= at`: `nextFirst[d]` (that day's first time) when not before `at`, else
 *     `lastAt[d]` (the day's last time: the same rule as the per-day rollup the funnel used);
 *   - otherwise `nextFirst[d + 1]` (the next day with one);
 *   - otherwise a later month's `nextFirst[1]`, probed by primary key in a subplan that runs only
 *     for the users still without a time whose window reaches that month (few: a join per month
 *     would read every row of the type in each month for them);
 * kept when within `windowHours` of step 0's time. The candidate is computed once, below an
 * `offset 0` (the planner would otherwise repeat the expression in the filter and the output).
 *
 * The steps are one chain of subqueries, each carrying the times so far (`a0` … `a{i}`, null
 * from the step a user dropped out at), counted once at the end: no CTE is written out and
 * read again. Each step hashes the users (few, narrow) and streams its type's rows (two
 * 31-entry arrays each): hashing those rows instead copied ~5 MB a step into fresh memory, a
 * third of the time (perf). For that, the users carry a condition that always holds (`start`
 * is within the window) but that the planner cannot estimate and takes at 0.5 %; the statement
 * runs with nested loops and merge joins off (sql.ts), so that small estimate cannot turn a
 * join into one index probe per user.
 * Returns the SQL, with bind parameters `$1` …, and its parameters; the row holds `n0` … `n{k}`,
 * the users of each step.
 */
export function funnelSql(steps: string[], window: Window, hours: number, users: UserRange = {}): [string, unknown[]] {
  // The part's users, on the type rows each step reads (the primary key's last column).
  const inRange = () => {
    let condition = raw('');
    if (users.from !== undefined) condition = sql`${condition} and r."user_id" >= ${users.from}::uuid`;
    if (users.below !== undefined) condition = sql`${condition} and r."user_id" < ${users.below}::uuid`;
    return condition;
  };
  const fromDay = Math.floor(window.from.getTime() / DAY_MS);
  const windowMonths = monthsBetween(window.from.getTime(), window.to.getTime() - 1);
  const firstMonth = windowMonths[0]!;
  const d = fromDay - firstMonth.startDay + 1;
  const reach = monthsBetween(window.from.getTime(), window.to.getTime() - 1 + hours * HOUR_MS);
  const reachRange = raw(`'${reach[0]!.first}'::date and '${reach.at(-1)!.first}'::date`);
  const calendar = calendarOf(reach);
  // Month starts a window can cross after the month of a step's time: every month has 28 days
  // at least, and none past the months the funnel reaches.
  const laterMonths = Math.min(reach.length - 1, Math.ceil(hours / 24 / 28));
  const first = raw(`'${firstMonth.first}'::date`);
  // Step 0: the first time at or after `from` in each month row, the earliest of them (the
  // same aggregate twice is computed once).
  const stepZero = () => sql`min(case when r."month" = ${first}
      then (case when r."next_first"[${raw(String(d))}] >= ${window.from} then r."next_first"[${raw(String(d))}] else r."next_first"[${raw(String(d + 1))}] end)
      else r."next_first"[1] end)`;
  let level = placed(
    sql`(select "user_id", "at", "at" as "start", ("at" + ${hours}::int * interval '1 hour') at time zone interval '0' as "ends"
      from (select r."user_id",
        case when ${stepZero()} < ${window.to} then ${stepZero()} end as "at" from "analytics_user_type_months" r
      where r."type" = ${steps[0]} and r."month" between ${first} and ${raw(`'${windowMonths.at(-1)!.first}'::date`)}${inRange()}
      group by r."user_id") s0 where "at" is not null)`,
    0,
    calendar,
  );
  const inWindow = raw(`'${window.from.toISOString()}'::timestamptz and '${window.to.toISOString()}'::timestamptz`);
  for (let i = 1; i < steps.length; i++) {
    const later = Array.from({ length: laterMonths }, (_, k) => {
      const month = raw(`(p."month" + interval '${k + 1} month')`);
      // Only when the window reaches that month: `ends`, its close as a UTC wall time, is not
      // before the month's first day.
      return sql`,
            case when ${month} <= p."ends" then (select n."next_first"[1] from "analytics_user_type_months" n
              where n."type" = ${steps[i]} and n."month" = ${month}::date and n."user_id" = p."user_id") end`;
    });
    level = placed(
      sql`(select "user_id", "start", "ends", ${raw(times(i))}case when "next" <= "start" + ${hours}::int * interval '1 hour' then "next" end as "at"
        from (select p."user_id", p."start", p."ends", ${raw(times(i, 'p.'))}coalesce(
            case when r."last_at"[p."dom"] >= p."at" then
              (case when r."next_first"[p."dom"] >= p."at" then r."next_first"[p."dom"] else r."last_at"[p."dom"] end) end,
            r."next_first"[p."dom" + 1]${later.reduce((all, probe) => sql`${all}${probe}`, raw(''))}) as "next"
          from ${level} p left join "analytics_user_type_months" r on r."type" = ${steps[i]} and r."month" between ${reachRange}${inRange()}
            and r."month" = p."month" and r."user_id" = p."user_id"
          where p."start" between ${inWindow}
          offset 0) c)`,
      i,
      calendar,
    );
  }
  const counts = steps.map((_, i) => `count("a${i}") as "n${i}"`).join(', ');
  const statement = sql`select ${raw(counts)} from ${level} f`;
  let n = 0;
  return [statement.text.replace(/\?/g, () => `$${++n}`), statement.params];
}
