/**
 * What the logger does to every value before it is written (docs/privacy.md, "Logs"):
 * - keys that hold secrets or what a person wrote lose their value entirely;
 * - emails, bearer tokens and JWTs inside any string are replaced;
 * - client addresses are truncated (IPv4 to its /24, IPv6 to its /48).
 * Pure and total: it never throws, whatever it is given.
 */

const REDACTED = '[redacted]';

/** Keys whose values are secret or are text a person wrote (compared lower-cased). */
const SECRET_KEYS = new Set([
  'password',
  'currentpassword',
  'newpassword',
  'passwordhash',
  'token',
  'accesstoken',
  'refreshtoken',
  'authorization',
  'cookie',
  'set-cookie',
  'secret',
  'apikey',
  'text',
  'content',
  'displayname',
  'email',
  'body',
  'variables',
  'prompt',
  'completion',
]);

/** Keys whose values are client addresses. */
const ADDRESS_KEYS = new Set([
  'ip',
  'ips',
  'remoteaddress',
  'remoteaddr',
  'clientip',
  'clientaddress',
  'x-forwarded-for',
]);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const IPV4 = /\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/g;
const IPV6_CANDIDATE = /(?<![A-Za-z0-9:.])[0-9A-Fa-f:]{2,39}(?![A-Za-z0-9:])/g;
/** Compressed (`::`) or full eight-group forms; times such as 19:22:41 are neither. */
const isIpv6 = (candidate: string) => candidate.includes('::') || candidate.split(':').length === 8;

/** Loopback addresses name this host, never a person: a service's own `http://127.0.0.1:4001` stays readable. */
const isLoopback = (value: string) => /^(?:::ffff:)?127\./i.test(value) || value === '::1';

/** An IPv4 address cut to its /24, an IPv6 one to its /48 (loopback and other strings unchanged). */
export function truncateAddress(value: string): string {
  if (isLoopback(value)) return value;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(value);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0`;
  if (value.includes(':')) {
    const [head] = value.split('::');
    const groups = (head ?? '').split(':').filter(Boolean).slice(0, 3);
    while (groups.length < 3) groups.push('0');
    return `${groups.join(':')}::`;
  }
  return value;
}

function redactString(value: string): string {
  return value
    .replace(EMAIL, '[email]')
    .replace(JWT, '[token]')
    .replace(BEARER, '$1 [token]')
    .replace(IPV4, (all: string, a: string, b: string, c: string) => (a === '127' ? all : `${a}.${b}.${c}.0`))
    .replace(IPV6_CANDIDATE, (match) => (isIpv6(match) ? truncateAddress(match) : match));
}

function redactAddress(value: unknown): unknown {
  if (typeof value === 'string')
    return value
      .split(',')
      .map((part) => truncateAddress(part.trim()))
      .join(', ');
  if (Array.isArray(value)) return value.map(redactAddress);
  return value;
}

/**
 * An error's message, stack and own fields as a plain object: its message and stack are not
 * enumerable, so walking the error itself would log `{}`.
 */
function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  for (const [key, item] of Object.entries(error)) fields[key] = item;
  if (error.cause !== undefined) fields.cause = error.cause;
  return fields;
}

export function redactLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactLogValue(item, depth + 1));
  if (value instanceof Date) return value;
  if (value instanceof Error) return redactLogValue(errorFields(value), depth);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (SECRET_KEYS.has(lower)) out[key] = item === undefined || item === null ? item : REDACTED;
    else if (ADDRESS_KEYS.has(lower)) out[key] = redactAddress(item);
    else out[key] = redactLogValue(item, depth + 1);
  }
  return out;
}
