import { pino, type DestinationStream, type Logger } from 'pino';
import { redactLogValue } from './log-redaction.js';

export type { Logger };

let destinationOverride: DestinationStream | undefined;

/**
 * Sends the logs of loggers created from now on to `destination` (undefined: stdout again).
 * Tests use it to read what a whole stack logged.
 */
export function routeLogsTo(destination: DestinationStream | undefined): void {
  destinationOverride = destination;
}

/**
 * JSON logs. Personal data never reaches them: secrets are removed by path, and every value
 * goes through log-redaction.ts (emails, tokens, message texts, client addresses) before it
 * is written, including error objects and the message itself.
 */
export function createLogger(service: string, level: string): Logger {
  const options = {
    level,
    base: { process: service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'password',
        '*.password',
        '*.currentPassword',
        '*.newPassword',
        'variables.input.password',
        'variables.*',
        'headers.authorization',
        'headers.cookie',
        'req.headers.authorization',
        'req.headers.cookie',
        '*.accessToken',
        '*.refreshToken',
        'token',
      ],
      censor: '[redacted]',
    },
    serializers: {
      err: (error: Error) => redactLogValue(pino.stdSerializers.err(error)),
    },
    formatters: {
      log: (object: Record<string, unknown>) => redactLogValue(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...rest: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactLogValue(arg) : arg)),
        );
      },
    },
  };
  return destinationOverride ? pino(options, destinationOverride) : pino(options);
}
