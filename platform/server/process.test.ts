import { spawn } from 'node:child_process';

/** Runs a script in a fresh Node process with the crash policy installed; returns its exit code and output. */
function run(body: string): Promise<{ code: number | null; stdout: string }> {
  const script = `
    import { installCrashPolicy } from './dist/platform/server/process.js';
    import { createMetrics } from './dist/platform/metrics.js';
    import { createLogger } from './dist/platform/logger.js';
    installCrashPolicy(createLogger('test', 'error'));
    const metrics = createMetrics('probe');
    const count = async () => /process_unhandled_rejections_total\\{service="probe"\\} (\\d+)/.exec(await metrics.registry.metrics())[1];
    ${body}
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout })));
}

describe('the process crash policy', () => {
  test('an unhandled rejection is logged and counted, and the process keeps running', async () => {
    const { code, stdout } = await run(`
      Promise.reject(new Error('lost connection'));
      setTimeout(async () => { console.log('still running, count=' + (await count())); process.exit(0); }, 200);
    `);
    expect(code).toBe(0);
    expect(stdout).toContain('unhandled promise rejection');
    expect(stdout).toContain('lost connection');
    expect(stdout).toContain('still running, count=1');
  });

  test('an uncaught exception is logged and the process exits 1', async () => {
    const { code, stdout } = await run(`
      setTimeout(() => { throw new Error('broken invariant'); }, 10);
      setInterval(() => undefined, 1000);
    `);
    expect(code).toBe(1);
    expect(stdout).toContain('uncaught exception: exiting');
    expect(stdout).toContain('broken invariant');
  });
});
