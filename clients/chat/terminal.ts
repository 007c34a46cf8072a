// The terminal: line input with node:readline/promises, plain output, and Ctrl-C routed to whoever needs it.
import { createInterface, type Interface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { styleText } from 'node:util';

/** The user asked to leave: Ctrl-C at a prompt, end of input, or /quit. */
export class ExitRequested extends Error {
  override name = 'ExitRequested';
  constructor(readonly reason: 'interrupt' | 'eof' | 'quit') {
    super(`exit requested (${reason})`);
  }
}

/**
 * stdout for readline's own writes (prompt, echo), which can be muted: for hidden passwords, and while a
 * reply streams, so keys typed meanwhile do not scribble over the reply.
 */
class MutableStdout extends Writable {
  muted = false;

  constructor() {
    super({ decodeStrings: false });
    // readline redraws long lines on resize; it listens on its output.
    process.stdout.on('resize', () => this.emit('resize'));
  }

  get columns(): number | undefined {
    return process.stdout.columns;
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: () => void): void {
    // Synchronously, so readline's writes and ours reach the screen in the order they were made.
    if (!this.muted) process.stdout.write(chunk);
    callback();
  }
}

export interface AskOptions {
  /** Do not echo what is typed (passwords). */
  hidden?: boolean;
}

export class Terminal {
  /** Whether a person is typing: input and output are both a TTY. */
  readonly interactive: boolean;
  private readonly output = new MutableStdout();
  private readonly rl: Interface;
  private readonly closed: Promise<void>;
  private isClosed = false;
  /** Lines that arrived while no prompt was waiting (piped input arrives in bulk). */
  private readonly pending: string[] = [];
  private asking: AbortController | undefined;
  private interruptHandler: (() => void) | undefined;
  private exitPending = false;

  constructor() {
    this.interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    this.rl = createInterface({ input: process.stdin, output: this.output, terminal: this.interactive });
    this.closed = new Promise((resolve) => this.rl.once('close', () => resolve()));
    this.rl.once('close', () => (this.isClosed = true));
    // Without a pending question, readline/promises emits lines as events: keep them for the next ask().
    this.rl.on('line', (line) => this.pending.push(line));
    // In raw mode Ctrl-C reaches readline as a key; otherwise (piped input) the process gets SIGINT.
    this.rl.on('SIGINT', this.interrupt);
    process.on('SIGINT', this.interrupt);
  }

  /** Reads one line. Throws ExitRequested on Ctrl-C or end of input. */
  async ask(prompt: string, options: AskOptions = {}): Promise<string> {
    if (this.exitPending) throw new ExitRequested('interrupt');
    const queued = this.pending.shift();
    if (queued !== undefined) {
      // Typed ahead or piped: show it as if answered here, so the transcript reads in order.
      this.line(`${prompt}${options.hidden ? '' : queued}`);
      return queued;
    }
    if (this.isClosed) throw new ExitRequested('eof');

    const hidden = options.hidden === true && this.interactive;
    this.asking = new AbortController();
    if (hidden) {
      this.write(prompt);
      this.output.muted = true;
    }
    try {
      const answer = await Promise.race([
        this.rl.question(hidden ? '' : prompt, { signal: this.asking.signal }),
        this.closed.then(() => Promise.reject(new ExitRequested('eof'))),
      ]);
      // Piped input is not echoed: write it, so the transcript shows what was answered.
      if (!this.interactive) this.line(options.hidden ? '' : answer);
      return answer;
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw new ExitRequested('interrupt');
      throw error;
    } finally {
      this.asking = undefined;
      if (hidden) {
        this.output.muted = false;
        this.write('\n'); // readline's own newline went to the muted output
      }
    }
  }

  /**
   * Runs `work` with Ctrl-C going to `onInterrupt` instead of quitting, and with typed keys kept off the
   * screen. What was typed meanwhile is dropped afterwards: it was typed blind.
   */
  async whileBusy<T>(onInterrupt: () => void, work: () => Promise<T>): Promise<T> {
    this.interruptHandler = onInterrupt;
    this.output.muted = this.interactive;
    try {
      return await work();
    } finally {
      this.interruptHandler = undefined;
      if (this.interactive && !this.isClosed) {
        this.rl.write(null, { ctrl: true, name: 'e' }); // end of line, then delete everything left of it
        this.rl.write(null, { ctrl: true, name: 'u' });
        this.pending.length = 0;
        this.output.muted = false;
      }
    }
  }

  write(text: string): void {
    process.stdout.write(text);
  }

  line(text = ''): void {
    process.stdout.write(`${text}\n`);
  }

  /** Dim text; plain when stdout is not a terminal or NO_COLOR is set. */
  dim(text: string): string {
    return styleText('dim', text);
  }

  bold(text: string): string {
    return styleText('bold', text);
  }

  error(text: string): void {
    process.stdout.write(`${styleText('red', text)}\n`);
  }

  close(): void {
    process.off('SIGINT', this.interrupt);
    this.rl.close();
  }

  private readonly interrupt = (): void => {
    if (this.interruptHandler) return this.interruptHandler();
    if (this.asking) return this.asking.abort();
    // Ctrl-C during a request outside a prompt: quit at the next prompt; a second one quits now.
    if (this.exitPending) {
      this.line();
      process.exit(130);
    }
    this.exitPending = true;
  };
}
