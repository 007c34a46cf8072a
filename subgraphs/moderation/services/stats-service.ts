import type { RequestScope } from '../../../platform/context.js';
import { badInput } from '../../../platform/errors.js';
import { OPEN_STATUSES } from '../entities/moderation-case.js';
import { requireStaff } from './access.js';

export interface KeyCount {
  key: string;
  count: number;
}

export interface ModerationStatsResult {
  from: Date | null;
  to: Date | null;
  total: number;
  byStatus: KeyCount[];
  byContentType: KeyCount[];
  byAction: KeyCount[];
  byClassifier: KeyCount[];
  decided: number;
  autoApproveRate: number;
  autoRejectRate: number;
  humanRate: number;
  medianSecondsToDecision: number | null;
  p95SecondsToDecision: number | null;
  queueDepth: number;
  oldestPendingAgeSeconds: number | null;
  appealsResolved: number;
  appealOverturnRate: number | null;
}

const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(', ');

/** Counts and rates over the cases created in [from, to), all computed in SQL; the queue figures are live. */
export class StatsService {
  async stats(scope: RequestScope, from: Date | null, to: Date | null): Promise<ModerationStatsResult> {
    requireStaff(scope.identity);
    if (from && to && from >= to) throw badInput('from must be before to', 'from');
    const where: string[] = ['true'];
    const params: unknown[] = [];
    if (from) {
      where.push('"created_at" >= ?');
      params.push(from);
    }
    if (to) {
      where.push('"created_at" < ?');
      params.push(to);
    }
    const window = where.join(' and ');
    const db = scope.em.getConnection();
    const [totals] = await db.execute<Record<string, unknown>[]>(
      `select count(*)::int as "total",
         count(*) filter (where "first_decision" = 'AUTO_APPROVE')::int as "auto_approved",
         count(*) filter (where "first_decision" = 'AUTO_REJECT')::int as "auto_rejected",
         count(*) filter (where "first_decision" = 'HUMAN')::int as "human",
         percentile_cont(0.5) within group (order by extract(epoch from "first_decided_at" - "created_at"))
           filter (where "first_decision" = 'HUMAN') as "median",
         percentile_cont(0.95) within group (order by extract(epoch from "first_decided_at" - "created_at"))
           filter (where "first_decision" = 'HUMAN') as "p95",
         count(*) filter (where "appeal_outcome" is not null)::int as "appeals",
         count(*) filter (where "appeal_outcome" = 'OVERTURNED')::int as "overturned"
       from "moderation_cases" where ${window}`,
      params,
    );
    const groups = await db.execute<{ dim: string; key: string; count: number }[]>(
      `select 'status' as "dim", "status" as "key", count(*)::int as "count" from "moderation_cases" where ${window} group by 2
       union all select 'contentType', "content_type", count(*)::int from "moderation_cases" where ${window} group by 2
       union all select 'action', "action", count(*)::int from "moderation_cases" where ${window} and "action" is not null group by 2
       union all select 'classifier', "provider", count(*)::int from "moderation_cases" where ${window} group by 2
       order by 1, 2`,
      [...params, ...params, ...params, ...params],
    );
    const [queue] = await db.execute<{ depth: number; oldest: number | string | null }[]>(
      `select count(*)::int as "depth", extract(epoch from now() - min("created_at")) as "oldest"
       from "moderation_cases" where "status" in (${OPEN_SQL})`,
    );
    const t = totals!;
    const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    const decided = Number(t.auto_approved) + Number(t.auto_rejected) + Number(t.human);
    const rate = (count: unknown) => (decided ? Number(count) / decided : 0);
    const rows = groups as { dim: string; key: string; count: number }[];
    const by = (dim: string) => rows.filter((g) => g.dim === dim).map(({ key, count }) => ({ key, count }));
    const appeals = Number(t.appeals);
    return {
      from,
      to,
      total: Number(t.total),
      byStatus: by('status'),
      byContentType: by('contentType'),
      byAction: by('action'),
      byClassifier: by('classifier'),
      decided,
      autoApproveRate: rate(t.auto_approved),
      autoRejectRate: rate(t.auto_rejected),
      humanRate: rate(t.human),
      medianSecondsToDecision: num(t.median),
      p95SecondsToDecision: num(t.p95),
      queueDepth: queue!.depth,
      oldestPendingAgeSeconds: num(queue!.oldest),
      appealsResolved: appeals,
      appealOverturnRate: appeals ? Number(t.overturned) / appeals : null,
    };
  }
}
