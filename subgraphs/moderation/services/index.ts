import type { ServiceDeps, SubgraphContext } from '../../../platform/server/subgraph-server.js';
import { OPEN_STATUSES } from '../entities/moderation-case.js';
import { loadModerationSettings, type ModerationSettings } from '../settings.js';
import { CaseService } from './case-service.js';
import { createModerationClassifier, parseClassifierSettings } from './classifiers/index.js';
import { IntakeService } from './intake-service.js';
import { moderationMetrics } from './metrics.js';
import { QueryService } from './query-service.js';
import { QueueUpdates } from './queue-updates.js';
import { ReportService } from './report-service.js';
import { AccountRoles } from './roles.js';
import { StatsService } from './stats-service.js';

export interface ModerationServices {
  settings: ModerationSettings;
  intake: IntakeService;
  cases: CaseService;
  reports: ReportService;
  queries: QueryService;
  stats: StatsService;
  queue: QueueUpdates;
  roles: AccountRoles;
}

export type ModerationContext = SubgraphContext<ModerationServices>;

export function createModerationServices({
  state,
  outbox,
  orm,
  logger,
  metrics: serviceMetrics,
}: ServiceDeps): ModerationServices {
  const settings = loadModerationSettings();
  const queue = new QueueUpdates(state);
  const roles = new AccountRoles();
  const classifier = createModerationClassifier(parseClassifierSettings(process.env), { logger });
  const metrics = moderationMetrics(serviceMetrics.registry, async () => {
    const [row] = await orm.em
      .fork()
      .getConnection()
      .execute<{ depth: number; oldest: string | number | null }[]>(
        `select count(*)::int as "depth", extract(epoch from now() - min("created_at")) as "oldest"
         from "moderation_cases" where "status" in (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})`,
      );
    return { depth: row!.depth, oldestSeconds: row!.oldest === null ? null : Number(row!.oldest) };
  });
  return {
    settings,
    intake: new IntakeService({ orm, classifier, outbox, queue, settings, metrics, logger }),
    cases: new CaseService({ outbox, queue, roles, settings, metrics }),
    reports: new ReportService({ queue, roles, settings }),
    queries: new QueryService(roles),
    stats: new StatsService(),
    queue,
    roles,
  };
}
