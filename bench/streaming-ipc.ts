/**
 * What the streaming benchmark and its child processes (streaming-child.ts) say to each
 * other over IPC, and the clock they share.
 */

/**
 * Milliseconds on CLOCK_MONOTONIC (libuv's hrtime), which is one clock for the whole machine:
 * a time taken in a child process compares directly with one taken here, with no offset to
 * estimate. (performance.now() counts from each process's own start.)
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export type ChildRole = 'subgraphs' | 'gateway';

/** Chunks one reply's publisher handed to pub/sub, in publishing order. */
export interface EmitRecord {
  index: number[];
  /** nowMs() at each publish. */
  at: number[];
  /** Index of the final chunk (done: true), or -1 if it was not published. */
  doneIndex: number;
}

export interface PhaseStats {
  /** CPU time of the process (user + system, every thread) during the phase. */
  cpuMs: number;
  /** Event-loop delay during the phase (perf_hooks.monitorEventLoopDelay), ms. */
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Subgraphs process only: every reply chunk published during the phase, by message id. */
  emits: Record<string, EmitRecord>;
  /**
   * When each subscription got past each step of its set-up, by message id, then by step (one
   * time per subscription to that reply). Gateway: `upstreamRequested`, `upstreamOpened`,
   * `upstreamAcknowledged`, `upstreamFirstEvent`; subgraphs: `streamStarted`, `streamReady`.
   */
  marks: Record<string, Record<string, number[]>>;
}

export type ChildMessage =
  | { type: 'ready'; urls: Record<string, string> }
  | { type: 'phase-started' }
  | { type: 'phase-ended'; stats: PhaseStats }
  | { type: 'memory'; usage: NodeJS.MemoryUsage; collected: boolean }
  | { type: 'failed'; error: string };

export type ChildCommand = { type: 'phase-start' } | { type: 'phase-end' } | { type: 'memory' } | { type: 'stop' };
