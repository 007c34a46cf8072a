// nexus-analyst as a function of its arguments and streams, so tests run it exactly as the bin does.
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { MeDocument } from '../generated/graphql.js';
import { GraphError } from '../sdk.js';
import { parseAnalystArgs, UsageError, USAGE, type AnalystArgs } from './args.js';
import { AnalystSession, NotSignedIn } from './analyst-session.js';
import { render, type Report } from './format.js';
import { runLive } from './live.js';
import { funnelReport, metricsReport, retentionReport, topEventsReport, topUsersReport } from './reports.js';
import { configDir, SessionStore } from './session-store.js';

export interface AnalystIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Ends `live` (the bin wires Ctrl-C and q to it). */
  stop?: AbortSignal;
}

/** Runs one command; resolves to the exit code (0 done, 1 failed, 2 bad command line). */
export async function runAnalyst(argv: string[], io: AnalystIo): Promise<number> {
  let args: AnalystArgs | 'help';
  try {
    args = parseAnalystArgs(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`nexus-analyst: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const store = new SessionStore(configDir(io.env));
  let session: AnalystSession | undefined;
  try {
    if (args.command === 'login') {
      const email = args.email ?? (await ask(io, 'email: ', false));
      const password = args.password ?? (await ask(io, 'password: ', true));
      session = await AnalystSession.login(store, args.url, email, password);
      const { user } = session;
      io.stdout.write(`signed in as ${user.displayName} <${user.email ?? ''}> (${user.role}) at ${args.url}\n`);
      if (user.role !== 'ANALYST' && user.role !== 'ADMIN') {
        io.stderr.write(`note: analytics commands need the ANALYST or ADMIN role; this account is ${user.role}\n`);
      }
      return 0;
    }
    session = await AnalystSession.open(store, args.url);
    switch (args.command) {
      case 'logout':
        await session.logout();
        io.stdout.write(`signed out of ${args.url}\n`);
        return 0;
      case 'whoami': {
        const { me } = await session.request(MeDocument);
        if (!me) throw new NotSignedIn(args.url);
        const report: Report = {
          columns: ['url', 'id', 'email', 'display_name', 'role'],
          rows: [[args.url, me.id, me.email ?? null, me.displayName, me.role]],
          json: { url: args.url, ...me },
        };
        io.stdout.write(render(report, args.format));
        return 0;
      }
      case 'live': {
        await runLive(session, {
          interval: args.interval,
          count: args.count,
          format: args.format,
          out: io.stdout,
          stop: io.stop ?? new AbortController().signal,
        });
        return 0;
      }
      default:
        io.stdout.write(render(await report(session, args), args.format));
        return 0;
    }
  } catch (error) {
    io.stderr.write(`nexus-analyst: ${describe(error, session)}\n`);
    return 1;
  }
}

function report(session: AnalystSession, args: AnalystArgs): Promise<Report> {
  switch (args.command) {
    case 'metrics':
      return metricsReport(session, args);
    case 'top-events':
      return topEventsReport(session, args);
    case 'top-users':
      return topUsersReport(session, args);
    case 'funnel':
      return funnelReport(session, args);
    case 'retention':
      return retentionReport(session, args);
    default:
      throw new Error(`no report for ${args.command}`);
  }
}

/** One line: the graph's code and message (with the field for bad input), or why the graph was unreachable. */
export function describe(error: unknown, session?: AnalystSession): string {
  if (error instanceof GraphError) {
    const extensions = error.errors[0]?.extensions;
    const field = typeof extensions?.field === 'string' ? ` (field: ${extensions.field})` : '';
    const hint =
      error.code === 'FORBIDDEN' && session
        ? `; analytics needs the ANALYST or ADMIN role, ${session.user.email ?? session.user.id} is ${session.user.role}`
        : '';
    return `${error.message}${field}${hint}`;
  }
  // Duck-typed: an error from another realm (a VM context, a worker) is no `instanceof Error` here.
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    // fetch hides the useful part (ECONNREFUSED, ENOTFOUND, bad port) in its cause, sometimes further down.
    type Cause = { code?: unknown; message?: unknown; errors?: unknown[]; cause?: unknown } | undefined;
    let detail = '';
    for (let cause = (error as { cause?: unknown }).cause as Cause, depth = 0; cause && depth < 4; depth++) {
      if (typeof cause.code === 'string') {
        detail = cause.code;
        break;
      }
      if (!detail && typeof cause.message === 'string') detail = cause.message;
      cause = (cause.cause ?? cause.errors?.[0]) as Cause;
    }
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}

/** Asks on the terminal (hidden for passwords), or reads the next line of piped input. */
async function ask(io: AnalystIo, prompt: string, hidden: boolean): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (!muted) io.stderr.write(chunk);
      callback();
    },
  });
  const interactive = Boolean(io.stdin.isTTY);
  const rl = createInterface({ input: io.stdin, output, terminal: interactive });
  try {
    // Piped input is read without a prompt (nobody is there to see it).
    const answer = interactive ? rl.question(prompt) : rl.question('');
    muted = hidden && interactive;
    const value = (await answer).trim();
    if (muted) io.stderr.write('\n');
    if (!value) throw new UsageError(`${prompt.replace(/: $/, '')} is required`);
    return value;
  } finally {
    rl.close();
  }
}
