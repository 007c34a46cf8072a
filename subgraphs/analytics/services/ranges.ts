import { badInput } from '../../../platform/errors.js';
import { utcDay } from './history.js';

const DAY_MS = 86_400_000;
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;

/** A query window [from, to), and the UTC days it touches (first and last inclusive). */
export interface Window {
  from: Date;
  to: Date;
  firstDay: string;
  lastDay: string;
}

/** `to` defaults to now, `from` to 30 days before `to`; from < to, at most 366 days. */
export function windowOf(from: Date | null | undefined, to: Date | null | undefined, now = Date.now()): Window {
  const end = to ?? new Date(now);
  const start = from ?? new Date(end.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (start.getTime() >= end.getTime()) throw badInput('from must be before to', 'from');
  if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    throw badInput(`the range may span at most ${MAX_RANGE_DAYS} days`, 'to');
  }
  return { from: start, to: end, firstDay: utcDay(start), lastDay: utcDay(end.getTime() - 1) };
}

/** Days in a window, counted as the UTC days it touches. */
export function daysIn(window: Window): number {
  return Math.round((Date.parse(window.lastDay) - Date.parse(window.firstDay)) / DAY_MS) + 1;
}

export function limitOf(limit: number | null | undefined, field = 'limit', max = 100, fallback = 10): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 0) throw badInput(`${field} must not be negative`, field);
  if (value > max) throw badInput(`${field} may be at most ${max}`, field);
  return value;
}

export function countOf(value: number | null | undefined, field: string, min: number, max: number, fallback: number) {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw badInput(`${field} must be between ${min} and ${max}`, field);
  return n;
}

/** An IANA time zone name the runtime knows (UTC when absent). */
export function timeZoneOf(timeZone: string | null | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw badInput(`unknown time zone ${timeZone}`, 'timeZone');
  }
}
