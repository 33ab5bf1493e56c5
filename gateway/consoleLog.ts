/** The kit's logger: short human lines on a terminal (pino-pretty), JSON lines otherwise (systemd's journal, CI). */
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export interface ConsoleLogOptions {
  base: Record<string, string>;
  level?: string;
  /** Where lines go; a terminal gets the pretty form. */
  stream?: NodeJS.WriteStream;
  /** LOG_FORMAT=json|pretty overrides the terminal check (a person reading the journal, a script on a terminal). */
  format?: string;
}

export function createConsoleLog(options: ConsoleLogOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const format = options.format ?? process.env.LOG_FORMAT;
  const settings = { level: options.level ?? process.env.LOG_LEVEL ?? 'info', base: options.base };
  if (format === 'json' || (format !== 'pretty' && !stream.isTTY)) return pino(settings, stream);
  // Loaded only for a person at a terminal: under systemd its ~2 MB would be carried for nothing (docs/memory.md).
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pino(
    settings,
    pretty({
      destination: stream,
      sync: true,
      colorize: Boolean(stream.isTTY),
      translateTime: 'SYS:HH:MM:ss',
      // The kit id and process are the same on every line of one console; the part says who speaks.
      ignore: 'pid,hostname,kit,part',
      messageFormat: '{if part}{part}: {end}{msg}',
      singleLine: true,
    }),
  );
}
