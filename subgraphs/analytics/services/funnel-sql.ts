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

/** A step's users who reached it, with the UTC month of their time (the next step's join key) and its day. */
const placed = (step: string, start = '"start"') => `(select "user_id", "at", ${start} as "start",
    date_trunc('month', "at" at time zone 'UTC')::date as "month", date_part('day', "at" at time zone 'UTC')::int as "dom"
  from ${step} where "at" is not null)`;

/**
 * The funnel as one statement over `analytics_user_type_months` (one row per user, type and
 * month, arrays by day of the month; entities/rollups.ts). Step 0: per user, the first time of
 * step 0's type at or after `from` (the month of `from`: that day's first time if not before
 * `from`, else the next day's; a later month: its first day's "next first"), kept when before
 * `to`. Each next step joins the previous step's users to its type's row of the month of their
 * time `at` (one hash join a step, equality on the whole key, no aggregate) and takes the first
 * time at or after `at`, on its day of the month d:
 *   - `lastAt[d] >= at`: `nextFirst[d]` (that day's first time) when not before `at`, else
 *     `lastAt[d]` (the day's last time: the same rule as the per-day rollup the funnel used);
 *   - otherwise `nextFirst[d + 1]` (the next day with one);
 *   - otherwise a later month's `nextFirst[1]`, probed by primary key in a subplan that runs only
 *     for the users still without a time whose window reaches that month (few: a join per month
 *     would hash every row of the type in each month for them);
 * kept when within `windowHours` of step 0's time. The candidate is computed once, below an
 * `offset 0` (the planner would otherwise repeat the expression in the filter and the output).
 * Users who drop out stay as a null `at`, so the planner's estimate of each step is the users of
 * step 0 (a filter it cannot estimate would make it pick nested loops); each step reads `at`
 * from the previous one only.
 * Returns the SQL and its parameters; the row holds `n0` … `n{k}`, the users of each step.
 */
export function funnelSql(steps: string[], window: Window, hours: number): [string, unknown[]] {
  const params: unknown[] = [];
  const fromDay = Math.floor(window.from.getTime() / DAY_MS);
  const windowMonths = monthsBetween(window.from.getTime(), window.to.getTime() - 1);
  const firstMonth = windowMonths[0]!;
  const d = fromDay - firstMonth.startDay + 1;
  // Step 0: the first time at or after `from` in each month row, the earliest of them.
  const stepZero = `min(case when r."month" = '${firstMonth.first}'::date
      then (case when r."next_first"[${d}] >= ? then r."next_first"[${d}] else r."next_first"[${d + 1}] end)
      else r."next_first"[1] end)`;
  const ctes = [
    `s0 as (select r."user_id", case when ${stepZero} < ? then ${stepZero} end as "at" from "analytics_user_type_months" r
      where r."type" = ? and r."month" between '${firstMonth.first}'::date and '${windowMonths.at(-1)!.first}'::date
      group by r."user_id")`,
    `p0 as ${placed('s0', '"at"')}`,
  ];
  // Parameters go in the order of their `?` in the text: here the two copies of step 0's min
  // (the same aggregate, computed once) around `to`, then the type.
  params.push(window.from, window.to, window.from, steps[0]);
  const reach = monthsBetween(window.from.getTime(), window.to.getTime() - 1 + hours * HOUR_MS);
  const reachRange = `'${reach[0]!.first}'::date and '${reach.at(-1)!.first}'::date`;
  for (let i = 1; i < steps.length; i++) {
    params.push(hours); // the outer select list's `?` comes first
    const later = reach.slice(1).map((month) => {
      params.push(steps[i]);
      // Users whose window closes before the month starts have nothing to find there.
      const reachable = new Date(month.startDay * DAY_MS - hours * HOUR_MS).toISOString();
      return `case when p."month" < '${month.first}'::date and p."start" >= '${reachable}'::timestamptz
          then (select n."next_first"[1] from "analytics_user_type_months" n where n."type" = ? and n."month" = '${month.first}'::date and n."user_id" = p."user_id") end`;
    });
    params.push(steps[i]);
    ctes.push(
      `s${i} as (select "user_id", "start", case when "next" <= "start" + ?::int * interval '1 hour' then "next" end as "at"
        from (select p."user_id", p."start", coalesce(
            case when r."last_at"[p."dom"] >= p."at" then
              (case when r."next_first"[p."dom"] >= p."at" then r."next_first"[p."dom"] else r."last_at"[p."dom"] end) end,
            r."next_first"[p."dom" + 1]${later.map((probe) => `,\n            ${probe}`).join('')}) as "next"
          from p${i - 1} p left join "analytics_user_type_months" r on r."type" = ? and r."month" between ${reachRange}
            and r."month" = p."month" and r."user_id" = p."user_id"
          offset 0) c)`,
      `p${i} as ${placed(`s${i}`)}`,
    );
  }
  const counts = steps.map((_, i) => `(select count(*) from p${i}) as "n${i}"`).join(', ');
  return [`with ${ctes.join(',\n')}\nselect ${counts}`, params];
}
