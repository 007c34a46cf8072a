import { Migration } from '@mikro-orm/migrations';

/**
 * Per user, type and UTC month, each day's first and last time (entities/rollups.ts), for the
 * funnel. Filled from the per-user daily rollup already kept, so that an existing database
 * answers the same before and after.
 */
export class Migration20261201100000_user_type_months extends Migration {
  override name = 'Migration20261201100000_user_type_months';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "analytics_user_type_months" ("type" varchar(64) not null, "month" date not null, "user_id" uuid not null, "next_first" timestamptz[] not null, "last_at" timestamptz[] not null, primary key ("type", "month", "user_id")) with (fillfactor = 70);`,
    );
    this.addSql(`insert into "analytics_user_type_months" ("type", "month", "user_id", "next_first", "last_at")
      select "type", "month", "user_id",
        array(select (select min(u."f") from unnest("doms", "firsts") as u("d", "f") where u."d" >= i) from generate_series(1, "last_dom") as i order by i),
        array(select "lasts"[array_position("doms", i)] from generate_series(1, "last_dom") as i order by i)
      from (
        select "type", date_trunc('month', "day")::date as "month", "user_id", array_agg(extract(day from "day")::int) as "doms",
          array_agg("first_at") as "firsts", array_agg("last_at") as "lasts", max(extract(day from "day")::int) as "last_dom"
        from "analytics_user_daily" group by 1, 2, 3) g
      order by 1, 2, 3;`);
    // Statistics now: without them the planner takes the new table for a few rows and may
    // probe it per user instead of hashing it.
    this.addSql(`analyze "analytics_user_type_months";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "analytics_user_type_months" cascade;`);
  }
}
