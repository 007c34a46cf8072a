import type { GraphQLFormattedError } from 'graphql';

/** The error codes clients may rely on. Anything else is masked as INTERNAL_SERVER_ERROR. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_REQUEST: 'BAD_REQUEST',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** A dependency (shared state) is down: retry later. HTTP 503 when refused before GraphQL. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** Stripe is not configured on this deployment: billing operations are off, the rest works. */
  BILLING_DISABLED: 'BILLING_DISABLED',
  /** Over a plan limit; `limit`, `quota` and `resetsAt` (null: not time-based) in extensions. */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * An error meant for the client. Plain Error with `extensions`: graphql-js copies
 * them onto the GraphQL error, so services need no GraphQL types to raise one.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly extensions: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.extensions = { code, ...extra };
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export function appError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError(code, message, extra);
}

export const unauthenticated = (message = 'Authentication required') => appError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'Not allowed') => appError(ErrorCode.FORBIDDEN, message);
export const badInput = (message: string, field?: string, reason?: string) =>
  appError(ErrorCode.BAD_USER_INPUT, message, { ...(field ? { field } : {}), ...(reason ? { reason } : {}) });
export const notFound = (what: string) => appError(ErrorCode.NOT_FOUND, `${what} not found`);
export const unavailable = (message = 'Temporarily unavailable, try again shortly') =>
  appError(ErrorCode.SERVICE_UNAVAILABLE, message);
export const isUnavailable = (error: unknown): boolean =>
  error instanceof AppError && error.code === ErrorCode.SERVICE_UNAVAILABLE;

/** Apollo's own codes that are safe to show as they are. */
const APOLLO_PASSTHROUGH: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: ErrorCode.GRAPHQL_PARSE_FAILED,
  GRAPHQL_VALIDATION_FAILED: ErrorCode.GRAPHQL_VALIDATION_FAILED,
  BAD_USER_INPUT: ErrorCode.BAD_USER_INPUT,
  BAD_REQUEST: ErrorCode.BAD_REQUEST,
  PERSISTED_QUERY_NOT_FOUND: ErrorCode.BAD_REQUEST,
  PERSISTED_QUERY_NOT_SUPPORTED: ErrorCode.BAD_REQUEST,
  OPERATION_RESOLUTION_FAILURE: ErrorCode.BAD_REQUEST,
};

/**
 * Keeps known codes, masks everything else: no stack traces, SQL or internal
 * messages leave the process. The caller logs the original with the request id.
 */
export function maskError(formatted: GraphQLFormattedError, requestId?: string): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? '');
  const mapped = APOLLO_PASSTHROUGH[code] ?? (PUBLIC_CODES.has(code) ? (code as ErrorCode) : undefined);
  if (mapped && mapped !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, code: mapped } };
  }
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
  };
}

export function isMaskedInternal(formatted: GraphQLFormattedError): boolean {
  return formatted.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR;
}
