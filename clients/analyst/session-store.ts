// Where nexus-analyst keeps its sessions: one JSON file, readable by its owner alone, one entry per graph URL.
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ISO-8601). */
  expiresAt: string;
  user: { id: string; email: string | null; displayName: string; role: string };
}

interface SessionFile {
  sessions: Record<string, StoredSession>;
}

/** $XDG_CONFIG_HOME/nexus, else ~/.config/nexus. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'nexus');
}

const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a process that died mid-renewal. */
const STALE_LOCK_MS = 30_000;

export class SessionStore {
  readonly file: string;
  private readonly lockFile: string;

  constructor(readonly dir: string = configDir()) {
    this.file = join(dir, 'analyst-session.json');
    this.lockFile = `${this.file}.lock`;
  }

  async get(url: string): Promise<StoredSession | undefined> {
    return (await this.read()).sessions[url];
  }

  async set(url: string, session: StoredSession): Promise<void> {
    const content = await this.read();
    content.sessions[url] = session;
    await this.write(content);
  }

  async delete(url: string): Promise<void> {
    const content = await this.read();
    if (!(url in content.sessions)) return;
    delete content.sessions[url];
    await this.write(content);
  }

  /**
   * Runs `work` while no other nexus-analyst process renews: refresh tokens are single use, and
   * two processes spending the same one would end the session for both.
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    await this.ensureDir();
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(this.lockFile, 'wx', 0o600);
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(this.lockFile).then(
          (info) => Date.now() - info.mtimeMs,
          () => 0,
        );
        if (age > STALE_LOCK_MS) await rm(this.lockFile, { force: true });
        else if (Date.now() > deadline) throw new Error(`${this.lockFile} is held by another nexus-analyst`);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    try {
      return await work();
    } finally {
      await rm(this.lockFile, { force: true });
    }
  }

  private async read(): Promise<SessionFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sessions: {} };
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<SessionFile>;
      return { sessions: { ...parsed.sessions } };
    } catch {
      // A damaged file holds nothing usable: start over (the user signs in again).
      return { sessions: {} };
    }
  }

  /** Writes a temporary file created 0600 and renames it over the old one, so a reader never sees half a file. */
  private async write(content: SessionFile): Promise<void> {
    await this.ensureDir();
    const temporary = `${this.file}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
      await handle.chmod(0o600); // whatever the umask did
    } finally {
      await handle.close();
    }
    await rename(temporary, this.file);
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700); // it may have existed with wider permissions
  }
}
