// The one-shot commands of nexus-analyst: each asks the graph through the typed documents and returns a Report.
import {
  ConversionFunnelDocument,
  EventsByDayDocument,
  PlatformMetricsDocument,
  RetentionDocument,
  TopEventsDocument,
  TopUsersDocument,
} from '../generated/graphql.js';
import type { AnalystArgs } from './args.js';
import type { AnalystSession } from './analyst-session.js';
import type { Cell, Report } from './format.js';

const DAY_MS = 86_400_000;
/** eventsByDay accepts 1–366 days. */
const MAX_SERIES_DAYS = 366;

type Window = Pick<AnalystArgs, 'from' | 'to'>;
const windowOf = (args: Window) => ({ from: args.from, to: args.to });
const date = (iso: string) => iso.slice(0, 10);

export async function metricsReport(session: AnalystSession, args: Window): Promise<Report> {
  const { platformMetrics: m } = await session.request(PlatformMetricsDocument, windowOf(args));
  // The daily series ends today, so it is drawn only when the window does (no --to).
  let eventsPerDay: { start: string; count: number }[] | undefined;
  if (!args.to) {
    const days = Math.min(MAX_SERIES_DAYS, Math.max(1, Math.ceil((Date.now() - Date.parse(m.from)) / DAY_MS)));
    eventsPerDay = (await session.request(EventsByDayDocument, { days })).eventsByDay;
  }
  const rows: [string, Cell][] = [
    ['dau', m.dau],
    ['mau', m.mau],
    ['active_users', m.activeUsers],
    ['total_events', m.totalEvents],
    ['conversions', m.conversions],
    ['conversion_rate', { ratio: m.conversionRate }],
    ['revenue', { cents: m.revenue.totalCents }],
    ['mrr', { cents: m.revenue.mrrCents }],
    ['arpu', { cents: m.revenue.arpuCents }],
  ];
  return {
    title: `Platform ${m.from} – ${m.to}`,
    columns: ['metric', 'value'],
    rows,
    series: eventsPerDay
      ? [{ label: `events/day, ${date(eventsPerDay[0]!.start)} → today`, values: eventsPerDay.map((d) => d.count) }]
      : undefined,
    json: { ...m, ...(eventsPerDay ? { eventsPerDay } : {}) },
  };
}

export async function topEventsReport(session: AnalystSession, args: Window & { limit?: number }): Promise<Report> {
  const { topEvents } = await session.request(TopEventsDocument, { ...windowOf(args), limit: args.limit });
  return {
    columns: ['type', 'count'],
    rows: topEvents.map((event) => [event.type, event.count]),
    json: topEvents,
  };
}

export async function topUsersReport(session: AnalystSession, args: Window & { limit?: number }): Promise<Report> {
  const { topUsers } = await session.request(TopUsersDocument, { ...windowOf(args), limit: args.limit });
  return {
    columns: ['user_id', 'display_name', 'count'],
    rows: topUsers.map((row) => [row.user.id, row.user.displayName, row.count]),
    json: topUsers,
  };
}

export async function funnelReport(
  session: AnalystSession,
  args: Window & { steps: string[]; windowHours?: number },
): Promise<Report> {
  const { conversionFunnel } = await session.request(ConversionFunnelDocument, {
    ...windowOf(args),
    steps: args.steps,
    windowHours: args.windowHours,
  });
  const { steps, conversion } = conversionFunnel;
  return {
    title: `Funnel: ${(conversion * 100).toFixed(1)} % of those who did the first step did the last`,
    columns: ['step', 'type', 'users', 'conversion', 'overall'],
    rows: steps.map((step, i) => [
      i + 1,
      step.type,
      step.users,
      { ratio: step.conversion },
      { ratio: step.overallConversion },
    ]),
    series: [{ label: 'users by step', values: steps.map((step) => step.users) }],
    json: conversionFunnel,
  };
}

export async function retentionReport(
  session: AnalystSession,
  args: { cohort: AnalystArgs['cohort']; periods?: number },
): Promise<Report> {
  const { retention } = await session.request(RetentionDocument, { cohort: args.cohort, periods: args.periods });
  const width = Math.max(0, ...retention.map((row) => row.rates.length));
  const periods = Array.from({ length: width }, (_, i) => `p${i}`);
  return {
    title: `Retention by ${args.cohort.toLowerCase()}: share of each cohort active in period pN after it started`,
    columns: ['cohort', 'size', ...periods],
    rows: retention.map((row) => [
      date(row.start),
      row.size,
      ...periods.map((_, i): Cell => (i < row.rates.length ? { ratio: row.rates[i]! } : null)),
    ]),
    series: retention
      .filter((row) => row.size > 0)
      .map((row) => ({ label: `${date(row.start)} retained`, values: row.retained })),
    json: retention,
  };
}
