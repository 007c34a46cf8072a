import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, PgliteCluster } from './pglite-cluster.js';

describe('PgliteCluster', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'nexus-cluster-')), 'pglite');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  test('unqualified SQL of each session lands in its own schema', async () => {
    const cluster = await PgliteCluster.acquire(dir);
    const users = cluster.session('users');
    const companions = cluster.session('companions');
    await users.exec('create table outbox (id int primary key)');
    await companions.exec('create table outbox (id int primary key)');
    await users.query('insert into outbox values (1)');
    await companions.query('insert into outbox values (2), (3)');
    expect((await users.query('select id from outbox')).rows).toEqual([{ id: 1 }]);
    expect((await companions.query<{ n: number }>('select count(*)::int as n from outbox')).rows).toEqual([{ n: 2 }]);
    await Promise.all([users.close(), companions.close(), cluster.release()]);
  }, 60_000);

  test('json and jsonb parameters arrive whole, non-ASCII text and objects included (bound as UTF-8 bytes)', async () => {
    const cluster = await PgliteCluster.acquire(dir);
    const s = cluster.session('params');
    const rows = [
      { text: 'déjà vu — 日本語 🙂', n: 1 },
      { text: null, n: 2 },
    ];
    const json = await s.query<{ t: string; n: number }>(
      'select t, n from json_to_recordset($1::json) as r(t text, n int) order by n',
      [JSON.stringify(rows.map(({ text, n }) => ({ t: text, n })))],
    );
    expect(json.rows).toEqual([
      { t: 'déjà vu — 日本語 🙂', n: 1 },
      { t: null, n: 2 },
    ]);
    const jsonb = await s.query<{ v: unknown }>('select $1::jsonb as v', [{ a: ['é', 2n] }]);
    expect(jsonb.rows).toEqual([{ v: { a: ['é', '2'] } }]);
    await expect(s.query('select $1::json', ['{"broken"'])).rejects.toThrow(/json/i);
    await Promise.all([s.close(), cluster.release()]);
  }, 60_000);

  test("a transaction of one session runs alone: another session's statements wait for its commit", async () => {
    const cluster = await PgliteCluster.acquire(dir);
    const a = cluster.session('a');
    const b = cluster.session('b');
    await a.exec('create table t (id int)');
    await b.exec('create table t (id int)');
    const order: string[] = [];
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const transaction = a.transaction(async (tx) => {
      await tx.query('insert into t values (1)');
      order.push('a: inserted');
      await committed;
      order.push('a: committing');
    });
    // Queued behind the open transaction: were it interleaved, it would run inside it, in schema a.
    const other = b.query('insert into t values (2)').then(() => order.push('b: inserted'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['a: inserted']);
    commit();
    await Promise.all([transaction, other]);
    expect(order).toEqual(['a: inserted', 'a: committing', 'b: inserted']);
    expect((await a.query('select id from t')).rows).toEqual([{ id: 1 }]);
    expect((await b.query('select id from t')).rows).toEqual([{ id: 2 }]);
    await Promise.all([a.close(), b.close(), cluster.release()]);
  }, 60_000);

  test('one instance per directory in a process; the last release closes it and frees the lock', async () => {
    const [first, second] = await Promise.all([PgliteCluster.acquire(dir), PgliteCluster.acquire(dir)]);
    expect(second).toBe(first);
    expect(existsSync(`${dir}.lock`)).toBe(true);
    await first.release();
    expect(existsSync(`${dir}.lock`)).toBe(true);
    await second.release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    const reopened = await PgliteCluster.acquire(dir); // the files are intact and free again
    expect(reopened).not.toBe(first);
    await reopened.release();
  }, 60_000);

  test('a lock left by a process that died is taken over; a live holder is refused', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // exited: its pid is free
    writeFileSync(`${dir}.lock`, `${dead}\n`);
    const cluster = await PgliteCluster.acquire(dir);
    expect(readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(process.pid));
    await cluster.release();

    writeFileSync(`${dir}.lock`, `${process.ppid}\n`); // alive: the test runner's parent
    await expect(PgliteCluster.acquire(dir)).rejects.toThrow(DataDirInUseError);
    expect(readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(process.ppid)); // left to its holder
  }, 60_000);
});
