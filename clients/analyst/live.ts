// `nexus-analyst live`: the liveMetrics subscription drawn in place on a terminal, or one line per update otherwise.
import { LiveMetricsDocument, type LiveMetricsSubscription } from '../generated/graphql.js';
import { GraphError, subscribe } from '../sdk.js';
import type { AnalystSession } from './analyst-session.js';
import type { Format } from './args.js';
import { csvField, sparkline } from './format.js';

type Metrics = LiveMetricsSubscription['liveMetrics'];

export interface LiveOptions {
  interval: number;
  /** Stop after this many updates (scripts, tests); otherwise until stopped. */
  count?: number;
  format: Format;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Ends the view: Ctrl-C, q, or the caller. */
  stop: AbortSignal;
}

/** How many samples the sparklines keep: a minute at one update a second. */
const HISTORY = 60;
const COLUMNS = ['time', 'active_now', 'events_per_second', 'today_events', 'today_active'] as const;

/** Draws updates; a socket the gateway closes because the token lapsed (4401) is reopened with a renewed one. */
export async function runLive(session: AnalystSession, options: LiveOptions): Promise<number> {
  const view = createView(options);
  let updates = 0;
  while (!options.stop.aborted && (options.count === undefined || updates < options.count)) {
    const subscription = subscribe({ url: session.url, token: await session.accessToken() }, LiveMetricsDocument, {
      intervalSeconds: options.interval,
    });
    const onStop = () => void subscription.dispose();
    options.stop.addEventListener('abort', onStop, { once: true });
    try {
      for await (const result of subscription) {
        if (result.errors?.length) throw new GraphError(result.errors);
        if (!result.data) continue;
        view.update(result.data.liveMetrics, session.renewals);
        updates++;
        if (options.count !== undefined && updates >= options.count) break;
      }
      // The stream ended without an error: stopped by us, or the server completed it.
      if (!options.stop.aborted && (options.count === undefined || updates < options.count)) {
        throw new Error('the live metrics stream ended');
      }
    } catch (error) {
      const expired = error instanceof GraphError && (error.closeCode === 4401 || error.code === 'UNAUTHENTICATED');
      if (!expired) throw error;
      await session.renew();
    } finally {
      options.stop.removeEventListener('abort', onStop);
      await subscription.dispose();
    }
  }
  view.end();
  return updates;
}

interface View {
  update(metrics: Metrics, renewals: number): void;
  end(): void;
}

function createView(options: LiveOptions): View {
  const write = (text: string) => options.out.write(text);
  const time = () => new Date().toISOString().slice(11, 19);
  if (options.format === 'json') {
    // One JSON object a line (NDJSON), so a pipe can read updates as they come.
    return {
      update: (metrics) => write(`${JSON.stringify({ at: new Date().toISOString(), ...metrics })}\n`),
      end: () => undefined,
    };
  }
  if (options.format === 'csv') {
    write(`${COLUMNS.join(',')}\r\n`);
    return {
      update: (m) =>
        write(
          `${[time(), m.currentActiveUsers, m.eventsPerSecond, m.todayEvents, m.todayActiveUsers].map(csvField).join(',')}\r\n`,
        ),
      end: () => undefined,
    };
  }
  if (!options.out.isTTY) {
    // A table that grows one row per update: aligned, readable in a log.
    const widths = COLUMNS.map((column) => Math.max(column.length, 8));
    const row = (cells: (string | number)[]) =>
      cells
        .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!)))
        .join('  ');
    write(`${row([...COLUMNS])}\n`);
    return {
      update: (m) =>
        write(`${row([time(), m.currentActiveUsers, m.eventsPerSecond, m.todayEvents, m.todayActiveUsers])}\n`),
      end: () => undefined,
    };
  }
  // A terminal: one block redrawn in place, with the last minute as sparklines.
  const perSecond: number[] = [];
  const active: number[] = [];
  let drawn = 0;
  return {
    update(m, renewals) {
      perSecond.push(m.eventsPerSecond);
      active.push(m.currentActiveUsers);
      if (perSecond.length > HISTORY) perSecond.shift();
      if (active.length > HISTORY) active.shift();
      const lines = [
        `Live metrics, every ${options.interval} s (q or Ctrl-C to stop)  ${time()}${renewals ? `  token renewed ×${renewals}` : ''}`,
        `  active users now   ${String(m.currentActiveUsers).padStart(8)}  ${sparkline(active)}`,
        `  events per second  ${String(m.eventsPerSecond).padStart(8)}  ${sparkline(perSecond)}`,
        `  events today       ${String(m.todayEvents).padStart(8)}`,
        `  active users today ${String(m.todayActiveUsers).padStart(8)}`,
      ];
      // Back to the first line of the previous block, clear to the end of the screen, draw again.
      write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
      drawn = lines.length;
    },
    end: () => undefined,
  };
}
