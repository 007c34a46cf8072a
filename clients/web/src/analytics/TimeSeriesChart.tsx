// A uPlot chart of event counts over time, with the same figures as a table for screen readers
// and keyboard users (a canvas says nothing to assistive technology).
import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Bucket {
  start: string;
  count: number;
}

interface Props {
  title: string;
  buckets: readonly Bucket[];
  /** How a bucket's start is labelled in the table. */
  unit: 'hour' | 'day';
  /** Days are local calendar days: their labels come from the ISO date, not the viewer's clock. */
  timeZone?: string;
}

const HEIGHT = 220;

function label(start: string, unit: 'hour' | 'day', timeZone?: string): string {
  const date = new Date(start);
  return unit === 'hour'
    ? date.toLocaleString(undefined, { hour: '2-digit', minute: '2-digit', day: 'numeric', month: 'short' })
    : date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone });
}

export function TimeSeriesChart({ title, buckets, unit, timeZone }: Props) {
  const ids = useId();
  const holder = useRef<HTMLDivElement>(null);
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  const peak = buckets.reduce<Bucket | null>((best, b) => (best === null || b.count > best.count ? b : best), null);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const xs = buckets.map((b) => Date.parse(b.start) / 1000);
    const ys = buckets.map((b) => b.count);
    const width = () => Math.max(240, element.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: HEIGHT,
        tzDate: timeZone ? (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone) : undefined,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
        axes: [{ stroke: '#333' }, { stroke: '#333', size: 50 }],
        series: [
          {},
          {
            label: 'events',
            stroke: '#1f5fbf',
            width: 2,
            fill: 'rgba(31, 95, 191, 0.15)',
            points: { show: false },
            paths: uPlot.paths.bars?.({ size: [0.8, 40], align: 0 }),
          },
        ],
      },
      [xs, ys],
      element,
    );
    // The chart follows its container, so it fits a phone and a wide screen alike.
    const observer = new ResizeObserver(() => chart.setSize({ width: width(), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [buckets, timeZone]);

  return (
    <figure className="nx-chart" aria-labelledby={`${ids}-caption`}>
      <figcaption id={`${ids}-caption`}>
        <strong>{title}</strong>{' '}
        <span data-testid="chart-summary">
          total {total.toLocaleString()}
          {peak && peak.count > 0
            ? `, peak ${peak.count.toLocaleString()} at ${label(peak.start, unit, timeZone)}`
            : ''}
        </span>
      </figcaption>
      <div ref={holder} className="nx-chart-canvas" aria-hidden="true" />
      <details>
        <summary>Show the figures as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{unit === 'hour' ? 'Hour' : 'Day'}</th>
              <th scope="col">Events</th>
            </tr>
          </thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.start}>
                <td>{label(b.start, unit, timeZone)}</td>
                <td>{b.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
