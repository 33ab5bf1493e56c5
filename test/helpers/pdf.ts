/** Reading a PDF the way a person would: its text (pdftotext) and its pages as PNG pictures (pdftoppm), from poppler-utils. */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand } from './services.js';

/** The text of every page, in reading order; pages are separated by form feeds. */
export function pdfText(pdf: Buffer, dir: string): string[] {
  requireCommand('pdftotext', 'apt-get install poppler-utils');
  const file = join(dir, 'text.pdf');
  writeFileSync(file, pdf);
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  return text.split('\f').slice(0, -1);
}

/** Renders every page to `<dir>/<prefix>-N.png` and returns the files, first page first. */
export function pdfPages(pdf: Buffer, dir: string, prefix = 'page', dpi = 60): string[] {
  requireCommand('pdftoppm', 'apt-get install poppler-utils');
  const file = join(dir, `${prefix}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-png', '-r', String(dpi), file, join(dir, prefix)]);
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${prefix}-`) && name.endsWith('.png'))
    .sort((a, b) => Number(/-(\d+)\.png$/.exec(a)?.[1]) - Number(/-(\d+)\.png$/.exec(b)?.[1]))
    .map((name) => join(dir, name));
}
