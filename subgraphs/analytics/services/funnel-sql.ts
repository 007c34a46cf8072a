import type { Window } from './ranges.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A UTC month the funnel reads: its first day, and the epoch days (days since 1970-01-01) it spans. */
interface Month {
  first: string;
  startDay: number;
  endDay: number;
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
    const end = Date.UTC(year, month + 1, 1);
    months.push({ first: new Date(start).toISOString().slice(0, 10), startDay: start / DAY_MS, endDay: end / DAY_MS });
    month += 1;
    if (month === 12) [year, month] = [year + 1, 0];
  }
}

/**
 * The funnel as one statement over `analytics_user_type_months` (one row per user, type and
 * month, arrays by day of the month; entities/rollups.ts). Step 0: per user, the first time of
 * step 0's type at or after `from` (the month of `from`: that day's first time if not before
 * `from`, else the next day's; a later month: its first day's "next first"), kept when before
 * `to`. Each next step joins the previous step's users to its type's row of each month the
 * funnel can reach (one hash join a month, equality on the whole key, no aggregate) and takes
 * the first time at or after the previous step's time `at`, on its day d:
 *   - `lastAt[d] >= at`: `nextFirst[d]` (that day's first time) when not before `at`, else
 *     `lastAt[d]` (the day's last time: the same rule as the per-day rollup the funnel used);
 *   - otherwise `nextFirst[d + 1]` (the next day with one), or a later month's `nextFirst[1]`;
 * kept when within `windowHours` of step 0's time. Users who drop out stay as a null `at`, so
 * the planner's estimate of each step is the users of step 0 (a filter it cannot estimate would
 * make it pick nested loops); each step reads `at` from the previous one only.
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
    `p0 as (select "user_id", "at", "at" as "start", floor(date_part('epoch', "at") / 86400)::int as "day" from s0 where "at" is not null)`,
  ];
  // Parameters go in the order of their `?` in the text: here the two copies of step 0's min
  // (the same aggregate, computed once) around `to`, then the type.
  params.push(window.from, window.to, window.from, steps[0]);
  const reach = monthsBetween(window.from.getTime(), window.to.getTime() - 1 + hours * HOUR_MS);
  for (let i = 1; i < steps.length; i++) {
    const joins: string[] = [];
    const candidates: string[] = [];
    params.push(hours); // the select list's `?` comes before the joins'
    reach.forEach((month, k) => {
      const row = `r${k}`;
      joins.push(
        `left join "analytics_user_type_months" ${row} on ${row}."type" = ? and ${row}."month" = '${month.first}'::date and ${row}."user_id" = p."user_id"`,
      );
      params.push(steps[i]);
      const day = `(p."day" - ${month.startDay - 1})`;
      candidates.push(`case when p."day" >= ${month.startDay} and p."day" < ${month.endDay} then coalesce(
          case when ${row}."last_at"[${day}] >= p."at" then
            (case when ${row}."next_first"[${day}] >= p."at" then ${row}."next_first"[${day}] else ${row}."last_at"[${day}] end) end,
          ${row}."next_first"[${day} + 1])
        when p."day" < ${month.startDay} then ${row}."next_first"[1] end`);
    });
    ctes.push(
      `s${i} as (select p."user_id", p."start", case when c."at" <= p."start" + ?::int * interval '1 hour' then c."at" end as "at"
        from p${i - 1} p ${joins.join(' ')}
        cross join lateral (select coalesce(${candidates.join(',\n')}) as "at") c)`,
      `p${i} as (select "user_id", "at", "start", floor(date_part('epoch', "at") / 86400)::int as "day" from s${i} where "at" is not null)`,
    );
  }
  const counts = steps.map((_, i) => `(select count(*) from p${i}) as "n${i}"`).join(', ');
  return [`with ${ctes.join(',\n')}\nselect ${counts}`, params];
}
