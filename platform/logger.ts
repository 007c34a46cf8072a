import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; anything that could carry a secret is redacted before it is written. */
export function createLogger(service: string, level: string): Logger {
  return pino({
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
        'req.headers.authorization',
        '*.accessToken',
        '*.refreshToken',
        'token',
      ],
      censor: '[redacted]',
    },
  });
}
