/** Test helper: splits wire output into lines and checks a line with the simulator's own CRC (not the edge parser). */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { crc16Hex } from '../../../firmware-sim/crc16.js';

export interface CheckedLine {
  line: string;
  body: string;
  crc: string;
  crcOk: boolean;
  seq: number;
  type: string;
  fields: string[];
}

/** Shape `M1,<seq>,<T>,…*XXXX` and whether the checksum matches; null if the shape is wrong. */
export function checkLine(line: string): CheckedLine | null {
  const match = /^M1,(\d{1,5}),([A-Z]),(.*)\*([0-9A-F]{4})$/.exec(line);
  if (!match) return null;
  const body = line.slice(0, line.length - 5);
  const crc = match[4] as string;
  return {
    line,
    body,
    crc,
    crcOk: crc16Hex(body) === crc,
    seq: Number(match[1]),
    type: match[2] as string,
    fields: (match[3] as string).split(','),
  };
}

/** Splits CRLF-terminated wire text (latin1) into lines, asserting nothing is left after the last CRLF. */
export function splitWire(text: string): { lines: string[]; rest: string } {
  const parts = text.split('\r\n');
  const rest = parts.pop() as string;
  return { lines: parts, rest };
}

/** An in-memory serial port: records every chunk; optionally slow, to exercise backpressure. */
export class MemorySink extends Writable {
  readonly chunks: Buffer[] = [];
  maxBuffered = 0;
  writes = 0;

  constructor(
    private readonly delayMs = 0,
    highWaterMark = 16 * 1024,
  ) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes += 1;
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    this.chunks.push(chunk);
    if (this.delayMs > 0) setTimeout(callback, this.delayMs);
    else callback();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
}

export interface VectorFile {
  good: { name: string; line: string; frame: unknown }[];
  bad: { name: string; line: string; reason: string }[];
  crlf: { line: string; frame: unknown };
}

/** test/vectors/lines.json, found relative to this file. */
export function readVectors(): VectorFile {
  return JSON.parse(readFileSync(new URL('../../vectors/lines.json', import.meta.url), 'utf8')) as VectorFile;
}
