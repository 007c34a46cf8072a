import { signed, verdict } from './common.js';
import { Metrics } from './servers.js';

const TEXT = `# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.
# TYPE nodejs_heap_size_used_bytes gauge
nodejs_heap_size_used_bytes{service="gateway"} 45623808
# TYPE nodejs_gc_duration_seconds histogram
nodejs_gc_duration_seconds_count{kind="minor",service="gateway"} 12
nodejs_gc_duration_seconds_count{kind="major",service="gateway"} 3
nodejs_gc_duration_seconds_count{kind="incremental",service="gateway"} 1
gateway_subscriptions_open{service="gateway"} 0
process_cpu_seconds_total 1.25
`;

describe('bench /metrics reading', () => {
  const metrics = Metrics.parse(TEXT);

  it('reads a series with and without labels', () => {
    expect(metrics.value('nodejs_heap_size_used_bytes')).toBe(45623808);
    expect(metrics.value('process_cpu_seconds_total')).toBe(1.25);
    expect(metrics.value('gateway_subscriptions_open')).toBe(0);
  });

  it('sums over labels, or only the series with a given label', () => {
    expect(metrics.value('nodejs_gc_duration_seconds_count')).toBe(16);
    expect(metrics.value('nodejs_gc_duration_seconds_count', 'kind="major"')).toBe(3);
  });

  it('says NaN for a metric the process does not expose (not 0)', () => {
    expect(metrics.value('gateway_upstream_connections')).toBeNaN();
    // A name that only starts like another one is a different metric.
    expect(metrics.value('nodejs_heap_size')).toBeNaN();
  });
});

describe('bench target lines', () => {
  it('put the verdict first and sign the deltas', () => {
    expect(verdict(true, 'target', `${signed(1.234)} ms`)).toBe('met     target: +1.23 ms');
    expect(verdict(false, 'target', `${signed(-3.5)} ms`)).toBe('MISSED  target: -3.50 ms');
  });
});
