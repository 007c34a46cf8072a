// Command line of nexus-analyst: one command, its arguments, and options shared by every command.
import { parseArgs } from 'node:util';
import { resolveGraphUrl } from '../sdk.js';

export const USAGE = `usage: nexus-analyst <command> [options]

commands:
  login [--email E] [--password P]   sign in once; the session is kept and renewed (password asked when missing)
  logout                             end the session and forget it
  whoami                             who the kept session belongs to
  metrics                            DAU, MAU, events, conversion, revenue; events per day as a sparkline
  top-events [--limit N]             most frequent event types
  top-users [--limit N]              most active users
  funnel STEP STEP… [--window-hours H]
                                     users reaching each step in order (2-10 event types)
  retention [--cohort day|week|month] [--periods N]
                                     share of each cohort active in the periods after it
  live [--interval S] [--count N]    realtime metrics every S seconds (default 1); q or Ctrl-C ends it

options:
  --from T, --to T     window [from, to): ISO date or time (2026-11-01, 2026-11-01T12:00Z); default the 30 days to now
  --format F           table (aligned, default), csv or json
  --url URL            the gateway (default: $NEXUS_URL, else http://127.0.0.1:4000/graphql)
  -h, --help           this text

The session is kept in $XDG_CONFIG_HOME/nexus/analyst-session.json (else ~/.config/nexus/),
readable by you alone. Analytics commands need the ANALYST or ADMIN role.`;

export const COMMANDS = [
  'login',
  'logout',
  'whoami',
  'metrics',
  'top-events',
  'top-users',
  'funnel',
  'retention',
  'live',
] as const;
export type Command = (typeof COMMANDS)[number];
export type Format = 'table' | 'csv' | 'json';
export type Cohort = 'DAY' | 'WEEK' | 'MONTH';

export interface AnalystArgs {
  command: Command;
  url: string;
  format: Format;
  from: string | undefined;
  to: string | undefined;
  limit: number | undefined;
  steps: string[];
  windowHours: number | undefined;
  cohort: Cohort;
  periods: number | undefined;
  interval: number;
  count: number | undefined;
  email: string | undefined;
  password: string | undefined;
}

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses argv (without node and the script); returns 'help' for -h/--help or no command. */
export function parseAnalystArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): AnalystArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        format: { type: 'string', default: 'table' },
        from: { type: 'string' },
        to: { type: 'string' },
        limit: { type: 'string' },
        'window-hours': { type: 'string' },
        cohort: { type: 'string', default: 'day' },
        periods: { type: 'string' },
        interval: { type: 'string', default: '1' },
        count: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) return 'help';
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command ${command}`);
  if (command !== 'funnel' && rest.length) throw new UsageError(`${command} takes no arguments, got ${rest.join(' ')}`);
  if (command === 'funnel' && rest.length < 2) throw new UsageError('funnel needs at least two steps (event types)');

  const format = values.format!;
  if (format !== 'table' && format !== 'csv' && format !== 'json') {
    throw new UsageError(`--format must be table, csv or json, got ${format}`);
  }
  const cohort = values.cohort!.toUpperCase();
  if (cohort !== 'DAY' && cohort !== 'WEEK' && cohort !== 'MONTH') {
    throw new UsageError(`--cohort must be day, week or month, got ${values.cohort}`);
  }
  let url: string;
  try {
    url = resolveGraphUrl(values.url, env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    command: command as Command,
    url,
    format,
    from: instant('--from', values.from),
    to: instant('--to', values.to),
    limit: integer('--limit', values.limit),
    steps: command === 'funnel' ? rest : [],
    windowHours: integer('--window-hours', values['window-hours']),
    cohort,
    periods: integer('--periods', values.periods),
    interval: integer('--interval', values.interval) ?? 1,
    count: integer('--count', values.count),
    email: values.email,
    password: values.password,
  };
}

/** An integer option; ranges are the graph's business (it answers BAD_USER_INPUT with the field). */
function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, got ${value}`);
  return Number(value);
}

/** A date (midnight UTC) or a date and time, sent to the graph as ISO-8601. */
function instant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`${name} must be a date or time such as 2026-11-01, got ${value}`);
  return new Date(time).toISOString();
}
