/**
 * The rollups, as data-modifying CTEs over a source of new events `src` (id, type, user_id,
 * actor_id, occurred_at, properties). The ingest feeds them the rows its insert really added (so
 * duplicates count once); the rebuild feeds them the whole history. Buckets are UTC.
 * Every upsert goes in key order, so batches stored at the same time (partitions in flight,
 * replicas sharing the consumer group) lock shared rollup rows in the same order and cannot
 * deadlock. PostgreSQL runs the CTEs the final select does not read from the last declared to
 * the first: the rollups whose rows every batch shares (hourly, daily, revenue) come first in
 * the list, so they are locked last, just before the commit, and concurrent batches wait for
 * each other only briefly.
 */
export const ROLLUP_TABLES = [
  'analytics_hourly',
  'analytics_daily',
  'analytics_user_daily',
  'analytics_user_type_months',
  'analytics_daily_users',
  'analytics_user_months',
  'analytics_users',
  'analytics_sessions',
  'analytics_subscriptions',
  'analytics_revenue_daily',
] as const;

const DAY = `(occurred_at at time zone 'UTC')::date`;
const TOKENS = `case when type = 'message.received'
  then coalesce((properties->>'promptTokens')::bigint, 0) + coalesce((properties->>'completionTokens')::bigint, 0)
  else 0 end`;

/** The UTC day of a `src_groups` row. */
const GROUP_DAY = `(hour at time zone 'UTC')::date`;

/**
 * The new events once grouped by UTC hour, user, type and whether the user caused them: the
 * hourly, daily and per-user rollups sum these few rows instead of each scanning and sorting
 * every event again (six passes over a 20,000-event batch were a third of its statement).
 * Sums and counts add up; first and last times are a min and max of mins and maxes.
 */
const GROUPS = `
src_groups as (
  select date_trunc('hour', occurred_at, 'UTC') as hour, user_id, type, actor_id = user_id as own,
    count(*) as events, sum(${TOKENS})::bigint as tokens, min(occurred_at) as first_at, max(occurred_at) as last_at
  from src group by 1, 2, 3, 4)`;

/** One rollup upsert; `feeds`: the only event types it reads (absent: every type). */
interface Rollup {
  feeds?: readonly string[];
  sql: string;
}

/** In the funnel rollup's conflict: the stored row, and the batch's row when it holds one day. */
const STORED = 'analytics_user_type_months';
const NEW_DAY = 'cardinality(excluded.next_first)';
const NEW_FIRST = `excluded.next_first[${NEW_DAY}]`;
// Days differ, so their first times do: the batch's first entry equals its last for one day only.
const ONE_DAY = `excluded.next_first[1] = ${NEW_FIRST}`;

const ROLLUPS: Rollup[] = [
  {
    sql: `
r_hourly as (
  insert into analytics_hourly (hour, type, events)
  select hour, type, sum(events) from src_groups group by 1, 2 order by 1, 2
  on conflict (hour, type) do update set events = analytics_hourly.events + excluded.events
  returning 1)`,
  },
  {
    sql: `
r_daily as (
  insert into analytics_daily (day, type, events)
  select ${GROUP_DAY}, type, sum(events) from src_groups group by 1, 2 order by 1, 2
  on conflict (day, type) do update set events = analytics_daily.events + excluded.events
  returning 1)`,
  },
  {
    feeds: ['payment.completed'],
    sql: `
r_revenue as (
  insert into analytics_revenue_daily (day, plan, currency, amount_cents, payments)
  select ${DAY}, properties->>'plan', properties->>'currency', sum((properties->>'amountCents')::bigint), count(*)
  from src where type = 'payment.completed' group by 1, 2, 3 order by 1, 2, 3
  on conflict (day, plan, currency) do update set
    amount_cents = analytics_revenue_daily.amount_cents + excluded.amount_cents,
    payments = analytics_revenue_daily.payments + excluded.payments
  returning 1)`,
  },
  {
    sql: `
r_user_daily as (
  insert into analytics_user_daily (day, user_id, type, events, tokens, first_at, last_at)
  select ${GROUP_DAY}, user_id, type, sum(events), sum(tokens), min(first_at), max(last_at)
  from src_groups group by 1, 2, 3 order by 1, 2, 3
  on conflict (day, user_id, type) do update set
    events = analytics_user_daily.events + excluded.events,
    tokens = analytics_user_daily.tokens + excluded.tokens,
    first_at = least(analytics_user_daily.first_at, excluded.first_at),
    last_at = greatest(analytics_user_daily.last_at, excluded.last_at)
  returning 1)`,
  },
  {
    // The funnel's rows (entities/rollups.ts): each day's first and last time per user, type and
    // month as arrays by day of the month. A group of one day (nearly every group of a live
    // batch) is two array_fill calls; several days (late events, the rebuild) are spelt out day
    // by day. The conflict merges entry by entry: the earlier of the first times, the later of
    // the last ones (least and greatest skip nulls; a missing entry reads as null). A batch of
    // one day d (first time f) merges with slices instead of a subquery per row (half the
    // upsert's time, EXPLAIN ANALYZE): `next_first` never decreases, so width_bucket (a binary
    // search) counts its entries up to d that are not after f; those stay, the rest up to d
    // become f. `last_at[d]` takes the later time, padded with nulls when the row is shorter.
    sql: `
r_user_type_months as (
  insert into analytics_user_type_months (type, month, user_id, next_first, last_at)
  select type, month, user_id,
    case when days = 1 then array_fill(firsts[1], array[last_dom])
      else array(select (select min(u.f) from unnest(doms, firsts) as u(d, f) where u.d >= i) from generate_series(1, last_dom) as i order by i) end,
    case when days = 1 then array_fill(null::timestamptz, array[last_dom - 1]) || lasts[1]
      else array(select lasts[array_position(doms, i)] from generate_series(1, last_dom) as i order by i) end
  from (
    select type, month, user_id, count(*) as days, max(dom) as last_dom, array_agg(dom) as doms, array_agg(f) as firsts, array_agg(l) as lasts
    from (select type, date_trunc('month', ${GROUP_DAY})::date as month, user_id, extract(day from ${GROUP_DAY})::int as dom,
            min(first_at) as f, max(last_at) as l
          from src_groups group by 1, 2, 3, 4) d
    group by 1, 2, 3) g
  order by 1, 2, 3
  on conflict (type, month, user_id) do update set
    next_first = case when ${ONE_DAY}
      then ${STORED}.next_first[1:width_bucket(${NEW_FIRST}, ${STORED}.next_first[1:${NEW_DAY}])]
        || array_fill(${NEW_FIRST}, array[${NEW_DAY} - width_bucket(${NEW_FIRST}, ${STORED}.next_first[1:${NEW_DAY}])])
        || ${STORED}.next_first[${NEW_DAY} + 1:]
      else array(select least(${STORED}.next_first[i], excluded.next_first[i])
        from generate_series(1, greatest(cardinality(${STORED}.next_first), cardinality(excluded.next_first))) as i order by i) end,
    last_at = case when ${ONE_DAY}
      then ${STORED}.last_at[1:${NEW_DAY} - 1] || array_fill(null::timestamptz, array[greatest(0, ${NEW_DAY} - 1 - cardinality(${STORED}.last_at))])
        || greatest(${STORED}.last_at[${NEW_DAY}], excluded.last_at[${NEW_DAY}]) || ${STORED}.last_at[${NEW_DAY} + 1:]
      else array(select greatest(${STORED}.last_at[i], excluded.last_at[i])
        from generate_series(1, greatest(cardinality(${STORED}.last_at), cardinality(excluded.last_at))) as i order by i) end
  returning 1)`,
  },
  {
    sql: `
r_daily_users as (
  insert into analytics_daily_users (day, user_id, events)
  select ${GROUP_DAY}, user_id, sum(events) from src_groups where own group by 1, 2 order by 1, 2
  on conflict (day, user_id) do update set events = analytics_daily_users.events + excluded.events
  returning 1)`,
  },
  {
    // Same events as the daily active users, as running totals per month (entities/rollups.ts).
    // The batch's counts by day of the month become 31 running totals written as an array
    // literal: zeros before the first day, then each day's running total repeated up to the
    // next day. One row per user, month and day goes through the window, where spelling out
    // 31 totals per row and summing them was half of the whole statement (EXPLAIN ANALYZE).
    // The conflict adds the batch's totals to the stored ones entry by entry.
    sql: `
r_user_months as (
  insert into analytics_user_months (month, user_id, running)
  select month, user_id,
    ('{' || rtrim(repeat('0,', min(dom) - 1) || string_agg(repeat(total || ',', next_dom - dom), '' order by dom), ',') || '}')::bigint[]
  from (
    select month, user_id, dom,
      sum(events) over w as total, lead(dom, 1, 32) over w as next_dom
    from (select date_trunc('month', ${GROUP_DAY})::date as month, user_id, extract(day from ${GROUP_DAY})::int as dom,
            sum(events) as events
          from src_groups where own group by 1, 2, 3) d
    window w as (partition by month, user_id order by dom)) t
  group by 1, 2 order by 1, 2
  on conflict (month, user_id) do update set running = (
    select array_agg(a + b order by i) from unnest(analytics_user_months.running, excluded.running) with ordinality as u(a, b, i))
  returning 1)`,
  },
  {
    sql: `
r_users as (
  insert into analytics_users (user_id, registered_at, first_seen_at)
  select user_id, min(first_at) filter (where type = 'user.registered'), min(first_at) from src_groups group by 1 order by 1
  on conflict (user_id) do update set
    registered_at = least(analytics_users.registered_at, excluded.registered_at),
    first_seen_at = least(analytics_users.first_seen_at, excluded.first_seen_at)
  -- Most batches change nothing here: skipping those updates spares a row version per user.
  where excluded.first_seen_at < analytics_users.first_seen_at
    or excluded.registered_at < analytics_users.registered_at
    or (analytics_users.registered_at is null and excluded.registered_at is not null)
  returning 1)`,
  },
  {
    feeds: ['user.login', 'user.logout'],
    sql: `
r_sessions as (
  insert into analytics_sessions (session_id, user_id, started_at, ended_at)
  select (properties->>'sessionId')::uuid, min(user_id::text)::uuid,
    min(occurred_at) filter (where type = 'user.login'), max(occurred_at) filter (where type = 'user.logout')
  from src where type in ('user.login', 'user.logout') group by 1 order by 1
  on conflict (session_id) do update set
    started_at = least(analytics_sessions.started_at, excluded.started_at),
    ended_at = greatest(analytics_sessions.ended_at, excluded.ended_at)
  returning 1)`,
  },
  {
    feeds: ['subscription.created', 'subscription.cancelled'],
    sql: `
r_subscriptions as (
  insert into analytics_subscriptions
    (subscription_id, user_id, plan, previous_plan, monthly_amount_cents, currency, started_at, cancelled_at)
  select properties->>'subscriptionId', min(user_id::text)::uuid,
    min(properties->>'plan') filter (where type = 'subscription.created'),
    min(properties->>'previousPlan') filter (where type = 'subscription.created'),
    max((properties->>'monthlyAmountCents')::bigint) filter (where type = 'subscription.created'),
    min(properties->>'currency') filter (where type = 'subscription.created'),
    min(occurred_at) filter (where type = 'subscription.created'),
    max(occurred_at) filter (where type = 'subscription.cancelled')
  from src where type in ('subscription.created', 'subscription.cancelled') group by 1 order by 1
  on conflict (subscription_id) do update set
    plan = coalesce(excluded.plan, analytics_subscriptions.plan),
    previous_plan = coalesce(excluded.previous_plan, analytics_subscriptions.previous_plan),
    monthly_amount_cents = coalesce(excluded.monthly_amount_cents, analytics_subscriptions.monthly_amount_cents),
    currency = coalesce(excluded.currency, analytics_subscriptions.currency),
    started_at = least(analytics_subscriptions.started_at, excluded.started_at),
    cancelled_at = greatest(analytics_subscriptions.cancelled_at, excluded.cancelled_at)
  returning 1)`,
  },
];

/**
 * The rollup CTEs for a batch holding `types` (every rollup when absent): a batch without
 * sign-ins, subscriptions or payments skips their upserts instead of scanning it for none.
 */
export function rollupCtes(types?: ReadonlySet<string>): string {
  const upserts = ROLLUPS.filter((rollup) => !types || !rollup.feeds || rollup.feeds.some((type) => types.has(type)));
  return [GROUPS, ...upserts.map((rollup) => rollup.sql)].join(',\n');
}

/**
 * The event types whose properties a rollup reads: the tokens of `message.received`, and the
 * types the rollups with `feeds` read theirs from. A rollup reading the properties of another
 * type must add it here.
 */
const PROPERTY_TYPES = ['message.received', ...ROLLUPS.flatMap((rollup) => rollup.feeds ?? [])];

/**
 * One statement: inserts a batch into the history, skipping events already there, and folds
 * exactly the inserted rows into the rollups the batch's `types` feed. The batch comes as six
 * parallel arrays (ids, types, user ids, actor ids, times; properties as JSON texts one a line),
 * which PostgreSQL unpacks faster than a JSON document of records; `$7` is their length.
 * Returns one row: `inserted`, how many rows it added, and only when that is fewer than `$7`
 * (some were already stored) `ids`, the added ones' ids joined by commas. Usually every row
 * is new, so nothing else travels back and the ids array is not read (parsed) a second time.
 * The arrays are unpacked in the select list (in step, row by row) and read once, and the
 * inserted rows carry properties only where a rollup reads them: a 20,000-event batch held
 * whole (unnest's result, the input and inserted rows with their JSON) outgrew `work_mem` and
 * went through temporary files three times.
 */
export function ingestSql(types: ReadonlySet<string>): string {
  return `
with src as (
  insert into analytics_events (id, type, user_id, actor_id, occurred_at, properties)
  select unnest($1::uuid[]), unnest($2::text[]), unnest($3::uuid[]), unnest($4::uuid[]), unnest($5::timestamptz[]),
    unnest(string_to_array($6, E'\\n')::json[])
  on conflict do nothing
  returning id, type, user_id, actor_id, occurred_at,
    case when type in (${PROPERTY_TYPES.map((type) => `'${type}'`).join(', ')}) then properties end as properties),
${rollupCtes(types)}
select inserted, case when inserted < $7::int then (select string_agg(id::text, ',') from src) end as ids
from (select count(*)::int as inserted from src) as c`;
}

/** Rebuilds every rollup from the history kept (run after truncating the rollups). */
export const REBUILD_SQL = `
with src as (select id, type, user_id, actor_id, occurred_at, properties from analytics_events),
${rollupCtes()}
select count(*)::bigint as "events" from src`;
