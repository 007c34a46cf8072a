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
 * which PostgreSQL unpacks faster than a JSON document of records. Returns the ids it did NOT
 * insert (already stored): usually none, so nothing travels back.
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
    unnest(string_to_array($6, E'\\n')::jsonb[])
  on conflict do nothing
  returning id, type, user_id, actor_id, occurred_at,
    case when type in (${PROPERTY_TYPES.map((type) => `'${type}'`).join(', ')}) then properties end as properties),
${rollupCtes(types)}
select id from unnest($1::uuid[]) as r(id) where id not in (select id from src)`;
}

/** Rebuilds every rollup from the history kept (run after truncating the rollups). */
export const REBUILD_SQL = `
with src as (select id, type, user_id, actor_id, occurred_at, properties from analytics_events),
${rollupCtes()}
select count(*)::bigint as "events" from src`;
