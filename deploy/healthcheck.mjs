// Container HEALTHCHECK: GET /health/live (or the path given as argv[2]) of the service
// running in this container, with Node's own fetch: slim images ship no curl or wget.
// One image runs every service, so the port is derived from the entry point actually
// running (dist/gateway/main.js or dist/subgraphs/<name>/main.js) and its *_PORT variable.
import { readdirSync, readFileSync } from 'node:fs';

const DEFAULT_PORTS = { gateway: 4000, users: 4001, companions: 4002, moderation: 4003, analytics: 4004 };
const ENTRY = /dist\/(?:subgraphs\/)?(gateway|users|companions|moderation|analytics)\/main\.js/;

function runningService() {
  // Scan /proc rather than trusting PID 1: with `init: true` PID 1 is docker-init.
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    try {
      const match = ENTRY.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      if (match) return match[1];
    } catch {
      // the process exited meanwhile, or is not ours to read
    }
  }
  return 'gateway';
}

const service = runningService();
const port = Number(process.env.HEALTHCHECK_PORT || process.env[`${service.toUpperCase()}_PORT`] || DEFAULT_PORTS[service]);
// A wildcard bind answers on loopback; a specific bind address must be used as is.
const bind = process.env.HOST ?? '127.0.0.1';
const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
const path = process.argv[2] ?? '/health/live';

try {
  const response = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  if (!response.ok) {
    console.error(`${service}: ${path} answered ${response.status}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`${service}: ${path} unreachable on port ${port}: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
