// Live figures pushed every second by the liveMetrics subscription, with a short uPlot trace of events per second.
import { useEffect, useId, useRef, useState } from 'react';
import { useSubscription } from '@apollo/client/react';
import uPlot from 'uplot';
import { WebLiveMetricsDocument } from '../../../generated/graphql';
import { ErrorText } from './errors';

const HISTORY = 60;

export function LiveMetrics() {
  const ids = useId();
  const [ticks, setTicks] = useState(0);
  const [history, setHistory] = useState<{ at: number; eps: number }[]>([]);
  const live = useSubscription(WebLiveMetricsDocument, {
    variables: { intervalSeconds: 1 },
    onData: ({ data }) => {
      const metrics = data.data?.liveMetrics;
      if (!metrics) return;
      setTicks((n) => n + 1);
      setHistory((h) => [...h.slice(-(HISTORY - 1)), { at: Date.now() / 1000, eps: metrics.eventsPerSecond }]);
    },
  });
  const metrics = live.data?.liveMetrics;

  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    chart.current = new uPlot(
      {
        width: Math.max(240, element.clientWidth),
        height: 90,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
        axes: [{ show: false }, { stroke: '#333', size: 40 }],
        series: [{}, { stroke: '#1b7a3a', width: 2, fill: 'rgba(27, 122, 58, 0.15)', points: { show: false } }],
      },
      [[], []],
      element,
    );
    const observer = new ResizeObserver(() =>
      chart.current?.setSize({ width: Math.max(240, element.clientWidth), height: 90 }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setData([history.map((h) => h.at), history.map((h) => h.eps)]);
  }, [history]);

  return (
    <section aria-labelledby={`${ids}-title`} className="nx-card nx-live-metrics">
      <h3 id={`${ids}-title`}>
        Live <span className="nx-hint">({ticks} updates)</span>
      </h3>
      {live.error && <ErrorText error={live.error} />}
      <dl className="nx-kpis" data-testid="live-metrics">
        <div>
          <dt>Active now (5 min)</dt>
          <dd data-testid="live-active">{metrics?.currentActiveUsers ?? '…'}</dd>
        </div>
        <div>
          <dt>Events / second</dt>
          <dd data-testid="live-eps">{metrics ? metrics.eventsPerSecond.toFixed(1) : '…'}</dd>
        </div>
        <div>
          <dt>Events today</dt>
          <dd data-testid="live-today-events">{metrics?.todayEvents ?? '…'}</dd>
        </div>
        <div>
          <dt>Active today</dt>
          <dd data-testid="live-today-users">{metrics?.todayActiveUsers ?? '…'}</dd>
        </div>
      </dl>
      <div ref={holder} className="nx-chart-canvas" aria-hidden="true" />
    </section>
  );
}
