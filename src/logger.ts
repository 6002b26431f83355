// The process logger: pino, JSON lines, with credentials and personal-data fields redacted.

import pino, { type Logger } from 'pino';
import { PersonalFieldRegistry, REDACTED } from './domain/index.js';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  registry?: PersonalFieldRegistry;
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const registry = options.registry ?? new PersonalFieldRegistry();
  const pinoOptions: pino.LoggerOptions = {
    level: options.level ?? process.env.CUSTOS_LOG_LEVEL ?? 'info',
    // Fixed paths are redacted by pino itself (fast); the registry catches personal-data keys anywhere.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.secret',
      ],
      censor: REDACTED,
    },
    formatters: {
      log: (object) => registry.redact(object) as Record<string, unknown>,
    },
  };
  return options.destination
    ? pino(pinoOptions, options.destination as pino.DestinationStream)
    : pino(pinoOptions);
}
