// nexus-analyst: analytics from a terminal. Started by bin/nexus-analyst on the project's Node 24.
import { assertNodeVersion } from '../../platform/server/process.js';
import { runAnalyst } from './cli.js';

assertNodeVersion();

// Ctrl-C, or q on a terminal, ends `live` cleanly; other commands keep Ctrl-C's default (exit at once).
const stop = new AbortController();
const live = process.argv.slice(2).includes('live');
if (live) process.once('SIGINT', () => stop.abort());
const keys = live && Boolean(process.stdin.isTTY);
if (keys) {
  process.stdin.setRawMode(true);
  process.stdin.on('data', (key: Buffer) => {
    const text = key.toString();
    if (text === 'q' || text === 'Q' || text === '\u0003') stop.abort();
  });
}

try {
  process.exitCode = await runAnalyst(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    stop: stop.signal,
  });
} finally {
  if (keys) {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}
