import { Registry } from 'prom-client';
import type { StreamingPriority } from '../../../platform/plans.js';
import { GenerationAdmission, registerAdmissionMetrics, type ReleaseSlot } from './generation-admission.js';
import { LlmError } from './llm/provider.js';

/** Queues one waiter per label and records the order in which they are granted a slot. */
function queueAll(admission: GenerationAdmission, waiters: [string, StreamingPriority][]) {
  const started: string[] = [];
  const releases = new Map<string, ReleaseSlot>();
  const granted = waiters.map(([label, priority]) =>
    admission.acquire(priority).then((release) => {
      started.push(label);
      releases.set(label, release);
    }),
  );
  return { started, releases, granted };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GenerationAdmission', () => {
  test('starts at once while slots are free', async () => {
    const admission = new GenerationAdmission(2);
    await admission.acquire('LOW');
    await admission.acquire('LOW');
    expect(admission.active).toBe(2);
    expect(admission.waiting()).toBe(0);
  });

  test('when the slots are busy, waiting replies start highest priority first, FIFO within a priority', async () => {
    const admission = new GenerationAdmission(1);
    const first = await admission.acquire('LOW');
    const { started, releases } = queueAll(admission, [
      ['free-1', 'LOW'],
      ['standard-1', 'NORMAL'],
      ['free-2', 'LOW'],
      ['vip-1', 'HIGHEST'],
      ['premium-1', 'HIGH'],
      ['vip-2', 'HIGHEST'],
    ]);
    expect(admission.waiting()).toBe(6);
    expect(admission.waiting('HIGHEST')).toBe(2);
    let release = first;
    for (let i = 0; i < 6; i++) {
      release();
      await settle();
      expect(started).toHaveLength(i + 1);
      expect(admission.active).toBe(1); // a slot changes hands, never two at once
      release = releases.get(started[i]!)!;
    }
    expect(started).toEqual(['vip-1', 'vip-2', 'premium-1', 'standard-1', 'free-1', 'free-2']);
    release();
    expect(admission.active).toBe(0);
  });

  test('a newcomer does not jump a queue of its own priority while slots are busy', async () => {
    const admission = new GenerationAdmission(1);
    const first = await admission.acquire('HIGHEST');
    const { started, releases } = queueAll(admission, [['queued', 'LOW']]);
    first();
    await settle();
    const late = queueAll(admission, [['late', 'LOW']]);
    releases.get('queued')!();
    await settle();
    expect([...started, ...late.started]).toEqual(['queued', 'late']);
  });

  test('a slot is given back once, however often release is called (a failed generation)', async () => {
    const admission = new GenerationAdmission(1);
    const release = await admission.acquire('LOW');
    const { started } = queueAll(admission, [
      ['a', 'LOW'],
      ['b', 'LOW'],
    ]);
    release();
    release();
    await settle();
    expect(started).toEqual(['a']);
    expect(admission.active).toBe(1);
    expect(admission.waiting()).toBe(1);
  });

  test('a reply cancelled while queued leaves the queue and never takes a slot', async () => {
    const admission = new GenerationAdmission(1);
    const release = await admission.acquire('LOW');
    const cancel = new AbortController();
    const cancelled = admission.acquire('HIGHEST', cancel.signal);
    const { started } = queueAll(admission, [['after', 'LOW']]);
    cancel.abort();
    await expect(cancelled).rejects.toMatchObject({ kind: 'cancelled' });
    await expect(cancelled).rejects.toBeInstanceOf(LlmError);
    expect(admission.waiting()).toBe(1);
    release();
    await settle();
    expect(started).toEqual(['after']);
    await expect(admission.acquire('LOW', AbortSignal.abort())).rejects.toMatchObject({ kind: 'cancelled' });
  });

  test('the queued gauge reports waiting replies by priority', async () => {
    const registry = new Registry();
    const admission = new GenerationAdmission(1);
    registerAdmissionMetrics(registry, admission);
    await admission.acquire('LOW');
    queueAll(admission, [
      ['a', 'LOW'],
      ['b', 'HIGHEST'],
      ['c', 'HIGHEST'],
    ]);
    const text = await registry.metrics();
    expect(text).toContain('companions_generations_queued{priority="LOW"} 1');
    expect(text).toContain('companions_generations_queued{priority="NORMAL"} 0');
    expect(text).toContain('companions_generations_queued{priority="HIGHEST"} 2');
    expect(text).toContain('companions_generations_running 1');
  });

  test('refuses a bound below one', () => {
    expect(() => new GenerationAdmission(0)).toThrow();
  });
});
