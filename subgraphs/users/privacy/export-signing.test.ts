import { ExportLinks } from './export-signing.js';

const ID = '0193b000-0000-7000-8000-000000000001';

describe('export download links', () => {
  const links = new ExportLinks('a-test-secret-of-at-least-32-characters');

  test('a link carries its expiry and a signature that verifies', () => {
    const expiresAt = new Date('2026-12-01T12:00:00Z');
    const url = new URL(links.path(ID, expiresAt), 'http://graph.test');
    expect(url.pathname).toBe(`/exports/${ID}`);
    expect(url.searchParams.get('expires')).toBe(String(expiresAt.getTime() / 1000));
    expect(links.verify(ID, Number(url.searchParams.get('expires')), url.searchParams.get('signature')!)).toBe(true);
  });

  test('another id, another expiry, another key or a malformed signature do not verify', () => {
    const expires = 1_800_000_000;
    const signature = links.signature(ID, expires);
    expect(links.verify(ID.replace(/1$/, '2'), expires, signature)).toBe(false);
    expect(links.verify(ID, expires + 1, signature)).toBe(false);
    expect(new ExportLinks('another-secret-of-at-least-32-characters').verify(ID, expires, signature)).toBe(false);
    for (const bad of ['', 'zz', signature.slice(1), `${signature}00`, signature.toUpperCase()]) {
      expect(links.verify(ID, expires, bad)).toBe(false);
    }
  });
});
