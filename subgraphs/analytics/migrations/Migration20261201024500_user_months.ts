import { Migration } from '@mikro-orm/migrations';

/**
 * Per-user monthly running totals (entities/rollups.ts), filled from the daily active users
 * already kept so that an existing database answers the same before and after.
 */
export class Migration20261201024500_user_months extends Migration {
  override name = 'Migration20261201024500_user_months';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "analytics_user_months" ("month" date not null, "user_id" uuid not null, "running" bigint[] not null, primary key ("month", "user_id")) with (fillfactor = 70);`,
    );
    this.addSql(`insert into "analytics_user_months" ("month", "user_id", "running")
      select "month", "user_id", array_agg("total" order by i) from (
        select date_trunc('month', d."day")::date as "month", d."user_id", g.i,
          (coalesce(sum(d."events") filter (where extract(day from d."day") <= g.i), 0))::bigint as "total"
        from "analytics_daily_users" d cross join generate_series(1, 31) as g(i)
        group by 1, 2, 3) t
      group by 1, 2;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "analytics_user_months" cascade;`);
  }
}
