import { Writable } from 'node:stream';
import { redactLogValue, truncateAddress } from './log-redaction.js';
import { createLogger, routeLogsTo } from './logger.js';

describe('log redaction', () => {
  test('client addresses keep their /24 (IPv4) or /48 (IPv6) only', () => {
    expect(truncateAddress('203.0.113.77')).toBe('203.0.113.0');
    expect(truncateAddress('::ffff:203.0.113.77')).toBe('203.0.113.0');
    expect(truncateAddress('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::');
    expect(truncateAddress('2001:db8::1')).toBe('2001:db8:0::');
    // This host's own addresses are no one's personal data, and operators need them whole.
    expect(truncateAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(truncateAddress('::1')).toBe('::1');
    expect(redactLogValue({ url: 'http://127.0.0.1:4001/graphql' })).toEqual({ url: 'http://127.0.0.1:4001/graphql' });
  });

  test('emails, tokens, secrets and written text are gone; times and ids stay', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl';
    const out = JSON.stringify(
      redactLogValue({
        msg: 'login of ada@example.test from 198.51.100.23 at 19:22:41',
        headers: { authorization: `Bearer ${jwt}`, 'x-forwarded-for': '198.51.100.23, 2001:db8:1:2::9' },
        input: { password: 'hunter2-secret', text: 'my diary entry', displayName: 'Ada L.' },
        nested: [{ note: `token ${jwt}` }],
        requestId: '0192f0c4-5a8e-7000-8000-000000000001',
      }),
    );
    for (const secret of ['ada@example.test', jwt, 'hunter2-secret', 'my diary entry', 'Ada L.', '198.51.100.23']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('198.51.100.0');
    expect(out).toContain('2001:db8:1::');
    expect(out).toContain('19:22:41');
    expect(out).toContain('0192f0c4-5a8e-7000-8000-000000000001');
  });

  test('the logger applies it to objects, messages and errors', async () => {
    const lines: string[] = [];
    routeLogsTo(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    try {
      const logger = createLogger('test', 'info');
      logger.info({ user: { email: 'grace@example.test' }, ip: '192.0.2.200' }, 'hello grace@example.test');
      logger.error({ err: new Error('failed for grace@example.test') }, 'boom');
      logger.info('token %s', 'Bearer abc.def.ghi');
    } finally {
      routeLogsTo(undefined);
    }
    const all = lines.join('\n');
    expect(lines.length).toBe(3);
    expect(all).not.toContain('grace@example.test');
    expect(all).not.toContain('192.0.2.200');
    expect(all).not.toContain('abc.def.ghi');
    expect(all).toContain('192.0.2.0');
    // The error keeps what an operator needs: its message (redacted) and its stack.
    expect(all).toContain('failed for [email]');
    expect(all).toContain('log-redaction.test');
  });
});
