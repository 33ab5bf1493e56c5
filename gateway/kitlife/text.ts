/** Words a person reads, in Japanese and English, and the errors the kit's life commands end with. */
import { parseArgs } from 'node:util';
import { EXIT, type ExitCode } from './exitCodes.js';

export type Lang = 'ja' | 'en';
export interface Text {
  ja: string;
  en: string;
}

export const text = (ja: string, en: string): Text => ({ ja, en });

/** Ends a command with an exit code and a message in both languages. */
export class CommandError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly text: Text,
    options?: { cause?: unknown },
  ) {
    super(text.en, options);
    this.name = 'CommandError';
  }
}

export const usageError = (ja: string, en: string) => new CommandError(EXIT.usage, text(ja, en));

/** The language of the console: --lang, else the kit's locale, else Japanese (the product's default). */
export function pickLang(option: string | undefined, kitLocale?: string): Lang {
  if (option !== undefined && option !== 'ja' && option !== 'en') throw usageError('--lang は ja か en です', '--lang is ja or en');
  return (option ?? kitLocale) === 'en' ? 'en' : 'ja';
}

/** --lang alone, read before the command parses the rest (its message language is needed for the command's own errors). */
export function langOf(args: string[]): string | undefined {
  return parseArgs({ args, strict: false, allowPositionals: true, options: { lang: { type: 'string' } } }).values.lang as
    | string
    | undefined;
}
