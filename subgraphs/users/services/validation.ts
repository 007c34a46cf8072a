import { badInput } from '../../../platform/errors.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Control characters would break logs and UIs.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw badInput('Email address is not valid', 'email', 'INVALID_EMAIL');
  return email;
}

export function validateDisplayName(raw: string): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > 64 || CONTROL.test(name)) {
    throw badInput('Display name must be 1 to 64 printable characters', 'displayName', 'INVALID_DISPLAY_NAME');
  }
  return name;
}

/** At least 10 characters, at most 128, with letters and at least one digit or symbol; not the email. */
export function validatePassword(password: string, email?: string, field = 'password'): void {
  const weak = (message: string) => badInput(message, field, 'WEAK_PASSWORD');
  if (password.length < 10) throw weak('Password must be at least 10 characters');
  if (password.length > 128) throw weak('Password must be at most 128 characters');
  if (!/\p{L}/u.test(password) || !/[^\p{L}]/u.test(password)) {
    throw weak('Password must mix letters with digits or symbols');
  }
  if (email && password.toLowerCase().includes(email.split('@')[0]!)) throw weak('Password must not contain the email');
  if (new Set(password).size < 5) throw weak('Password is too repetitive');
}
