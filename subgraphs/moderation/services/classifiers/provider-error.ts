/**
 * A remote classifier's failure, with a short reason that is safe to log and to use as a metric
 * label: `timeout`, `connection`, `http_<status>`, `malformed`, `cancelled`. Messages never carry
 * the key or the content.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** An upstream error code worth quoting (short, plain), or nothing. */
export function safeCode(value: unknown): string {
  return typeof value === 'string' && /^[\w.-]{1,64}$/.test(value) ? ` (${value})` : '';
}
