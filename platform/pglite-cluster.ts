import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { jsonParamSerializers } from './pglite-json-params.js';

/**
 * What a MikroORM (kysely) connection needs of PGlite: one subgraph's view of the
 * shared cluster, with its own schema as the search path.
 */
export interface PgliteSession {
  readonly schema: string;
  query<T>(sql: string, params?: unknown[], options?: Parameters<PGlite['query']>[2]): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
  transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Ends this subgraph's use of the cluster (the last session to close closes it). */
  close(): Promise<void>;
  readonly closed: boolean;
  readonly ready: boolean;
  readonly waitReady: Promise<void>;
}

/** The embedded profile's one PGlite cluster, shared by every subgraph of the process. */
export function pgliteClusterDir(config: { DATA_DIR: string }): string {
  return resolve(config.DATA_DIR, 'pglite');
}

/** A data directory that another live process holds (two PGlite instances on one directory corrupt it). */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/**
 * One PGlite cluster shared by every subgraph of the process, each subgraph in its own
 * schema. PGlite is a single session, so statements are serialised here: a session runs
 * its statement (or its whole transaction) alone, after setting the search path to its
 * schema when another schema used the session last. Unqualified SQL (migrations, raw
 * queries) therefore lands in the subgraph's own schema, as on a database of its own.
 */
export class PgliteCluster {
  /** One cluster per directory per process: a second PGlite on the same files would corrupt them. */
  private static readonly instances = new Map<string, Promise<PgliteCluster>>();
  private static readonly closing = new Map<string, Promise<void>>();

  private tail: Promise<unknown> = Promise.resolve();
  private searchPath: string | undefined;
  private readonly schemas = new Set<string>();
  private users = 0;

  private constructor(
    readonly dir: string,
    private readonly lockFile: string,
    private readonly pglite: PGlite,
  ) {}

  /**
   * The cluster in `dir`, opened (or created) on first use; every `acquire` is paired
   * with a `release`, and the last release closes it. Refuses a directory that another
   * live process holds.
   */
  static async acquire(dir: string): Promise<PgliteCluster> {
    const absolute = resolve(dir);
    let opening = PgliteCluster.instances.get(absolute);
    if (!opening) {
      opening = (async () => {
        await PgliteCluster.closing.get(absolute);
        return PgliteCluster.create(absolute);
      })();
      PgliteCluster.instances.set(absolute, opening);
      opening.catch(() => PgliteCluster.instances.delete(absolute));
    }
    const cluster = await opening;
    cluster.users += 1;
    return cluster;
  }

  private static async create(absolute: string): Promise<PgliteCluster> {
    mkdirSync(absolute, { recursive: true });
    const lockFile = `${absolute}.lock`;
    takeLock(lockFile, absolute);
    try {
      const pglite = await PGlite.create({ dataDir: absolute, serializers: jsonParamSerializers });
      return new PgliteCluster(absolute, lockFile, pglite);
    } catch (error) {
      rmSync(lockFile, { force: true });
      throw error;
    }
  }

  /**
   * A subgraph's view of the cluster (its schema is created on first use). Each session
   * counts as one `acquire`: closing it releases the cluster.
   */
  session(schema: string): PgliteSession {
    if (!/^[a-z][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
    const { pglite } = this;
    const run = <T>(work: () => Promise<T>) => this.exclusive(schema, work);
    let released = false;
    this.users += 1;
    return {
      schema,
      query: (sql, params, options) => run(() => pglite.query(sql, params as unknown[], options)),
      exec: (sql) => run(() => pglite.exec(sql)),
      transaction: (callback) => run(() => pglite.transaction(callback)),
      close: async () => {
        if (released) return;
        released = true;
        await this.release();
      },
      get closed() {
        return pglite.closed;
      },
      get ready() {
        return pglite.ready;
      },
      waitReady: pglite.waitReady,
    };
  }

  /** Ends one `acquire`; the last one closes the cluster. */
  async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    PgliteCluster.instances.delete(this.dir);
    const closed = this.exclusive(undefined, () => this.pglite.close()).finally(() => {
      rmSync(this.lockFile, { force: true });
      PgliteCluster.closing.delete(this.dir);
    });
    PgliteCluster.closing.set(this.dir, closed);
    await closed;
  }

  /** Runs `work` alone on the session, with `schema` (when given) as the search path. */
  private exclusive<T>(schema: string | undefined, work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      if (schema && this.searchPath !== schema) {
        const create = this.schemas.has(schema) ? '' : `create schema if not exists "${schema}"; `;
        // Session-level (not SET LOCAL) and outside any transaction: it stays until the next switch.
        await this.pglite.exec(`${create}set search_path to "${schema}"`);
        this.schemas.add(schema);
        this.searchPath = schema;
      }
      return work();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function takeLock(lockFile: string, dir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new DataDirInUseError(
        `${dir} is in use by process ${holder}; stop it or set another DATA_DIR (one process per PGlite cluster)`,
      );
    }
    rmSync(lockFile, { force: true }); // left behind by a process that died
  }
  throw new DataDirInUseError(`could not lock ${dir}: ${lockFile} keeps reappearing`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
