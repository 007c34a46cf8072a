// The analyst dashboard (ANALYST, ADMIN): DAU/MAU and totals for a window, events by hour and by day
// as uPlot charts, top events and users, a funnel builder, retention cohorts and live metrics.
import { useId, useMemo, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { WebAnalyticsOverviewDocument, WebEventSeriesDocument } from '../../../generated/graphql';
import { ErrorText, isForbidden } from './errors';
import { FunnelBuilder } from './FunnelBuilder';
import { LiveMetrics } from './LiveMetrics';
import { RetentionTable } from './RetentionTable';
import { TimeSeriesChart } from './TimeSeriesChart';
import './analytics.css';

const RANGES = [7, 30, 90] as const;
const TOP_LIMIT = 10;

/** The viewer's IANA zone, so "by day" means their calendar days. */
const viewerTimeZone = (): string | undefined => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
};

export function AnalystDashboard() {
  const ids = useId();
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const [type, setType] = useState('');
  const [refreshedAt, setRefreshedAt] = useState(() => Date.now());
  // The window ends now (taken when the range changes or on refresh), so variables stay stable between renders.
  const span = useMemo(() => {
    const to = new Date(refreshedAt);
    return { from: new Date(refreshedAt - days * 86_400_000).toISOString(), to: to.toISOString() };
  }, [days, refreshedAt]);
  const timeZone = useMemo(viewerTimeZone, []);

  const overview = useQuery(WebAnalyticsOverviewDocument, { variables: { ...span, limit: TOP_LIMIT } });
  const series = useQuery(WebEventSeriesDocument, {
    variables: { type: type || undefined, hours: 24, days, timeZone },
  });

  if (overview.error && isForbidden(overview.error)) {
    return (
      <section className="nx-analytics" aria-labelledby={`${ids}-title`}>
        <h2 id={`${ids}-title`}>Analyst dashboard</h2>
        <ErrorText error={overview.error} />
      </section>
    );
  }

  const metrics = overview.data?.platformMetrics;
  const knownTypes = (metrics?.eventsByType ?? []).map((e) => e.type).sort();
  const refresh = () => {
    setRefreshedAt(Date.now());
    void series.refetch().catch(() => undefined);
  };

  return (
    <section className="nx-analytics" aria-labelledby={`${ids}-title`}>
      <header className="nx-row nx-analytics-header">
        <h2 id={`${ids}-title`}>Analyst dashboard</h2>
        <form className="nx-row" onSubmit={(e) => e.preventDefault()} aria-label="Dashboard window">
          <label htmlFor={`${ids}-range`}>Window</label>
          <select
            id={`${ids}-range`}
            value={days}
            onChange={(e) => setDays(Number(e.target.value) as (typeof RANGES)[number])}
          >
            {RANGES.map((r) => (
              <option key={r} value={r}>
                last {r} days
              </option>
            ))}
          </select>
          <button type="button" onClick={refresh}>
            Refresh
          </button>
        </form>
      </header>

      {overview.error && <ErrorText error={overview.error} />}
      <dl className="nx-kpis" aria-label="Headline figures">
        <div>
          <dt>
            <abbr title="Daily active users (the window's last UTC day)">DAU</abbr>
          </dt>
          <dd data-testid="dau">{metrics?.dau ?? '…'}</dd>
        </div>
        <div>
          <dt>
            <abbr title="Monthly active users (30 UTC days to the window's end)">MAU</abbr>
          </dt>
          <dd data-testid="mau">{metrics?.mau ?? '…'}</dd>
        </div>
        <div>
          <dt>Active users in window</dt>
          <dd data-testid="active-users">{metrics?.activeUsers ?? '…'}</dd>
        </div>
        <div>
          <dt>Events in window</dt>
          <dd data-testid="total-events">{metrics?.totalEvents ?? '…'}</dd>
        </div>
        <div>
          <dt>DAU / MAU</dt>
          <dd>{metrics && metrics.mau > 0 ? `${Math.round((metrics.dau / metrics.mau) * 100)} %` : '–'}</dd>
        </div>
      </dl>

      <LiveMetrics />

      <section aria-labelledby={`${ids}-charts`} className="nx-card">
        <div className="nx-row">
          <h3 id={`${ids}-charts`}>Events over time</h3>
          <label htmlFor={`${ids}-type`}>Event type</label>
          <select id={`${ids}-type`} value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">All events</option>
            {knownTypes.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        {series.error && <ErrorText error={series.error} />}
        <div className="nx-charts">
          <TimeSeriesChart title="By hour (last 24 h)" unit="hour" buckets={series.data?.eventsByHour ?? []} />
          <TimeSeriesChart
            title={`By day (last ${days} days)`}
            unit="day"
            timeZone={timeZone}
            buckets={series.data?.eventsByDay ?? []}
          />
        </div>
      </section>

      <div className="nx-two">
        <section aria-labelledby={`${ids}-top-events`} className="nx-card">
          <h3 id={`${ids}-top-events`}>Top events</h3>
          <table className="nx-table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Count</th>
              </tr>
            </thead>
            <tbody>
              {(overview.data?.topEvents ?? []).map((e) => (
                <tr key={e.type}>
                  <td>{e.type}</td>
                  <td>{e.count.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby={`${ids}-top-users`} className="nx-card">
          <h3 id={`${ids}-top-users`}>Top users</h3>
          <table className="nx-table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Events</th>
              </tr>
            </thead>
            <tbody>
              {(overview.data?.topUsers ?? []).map((u) => (
                <tr key={u.user.id}>
                  <td>{u.user.displayName}</td>
                  <td>{u.count.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>

      <FunnelBuilder knownTypes={knownTypes} from={span.from} to={span.to} />
      <RetentionTable />
    </section>
  );
}

export default AnalystDashboard;
