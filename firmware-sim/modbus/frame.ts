/** RTU frames a slave reads and writes: read-register requests in, register data or an exception out. */
import { crcOk, withCrc } from './crc.js';

export const READ_HOLDING = 3;
export const READ_INPUT = 4;

export const EXCEPTION = {
  illegalFunction: 1,
  illegalDataAddress: 2,
  illegalDataValue: 3,
  deviceFailure: 4,
  busy: 6,
} as const;

export type Request =
  | { ok: true; unit: number; fn: number; start: number; count: number }
  /** A frame the slave cannot use: a bad CRC (noise, a collision) or too short; a real slave stays silent. */
  | { ok: false; reason: 'crc' | 'short' };

/** Any function code is decoded as unit + function + 4 bytes (what reads carry); the device answers those it does not know with exception 1. */
export function parseRequest(frame: Uint8Array): Request {
  if (frame.length < 8) return { ok: false, reason: 'short' };
  if (!crcOk(frame)) return { ok: false, reason: 'crc' };
  const view = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  return { ok: true, unit: view[0] as number, fn: view[1] as number, start: view.readUInt16BE(2), count: view.readUInt16BE(4) };
}

export function encodeRequest(unit: number, fn: number, start: number, count: number): Buffer {
  const body = Buffer.alloc(6);
  body.writeUInt8(unit, 0);
  body.writeUInt8(fn, 1);
  body.writeUInt16BE(start, 2);
  body.writeUInt16BE(count, 4);
  return withCrc(body);
}

export function encodeRegisters(unit: number, fn: number, words: readonly number[]): Buffer {
  const body = Buffer.alloc(3 + 2 * words.length);
  body.writeUInt8(unit, 0);
  body.writeUInt8(fn, 1);
  body.writeUInt8(2 * words.length, 2);
  for (const [i, word] of words.entries()) body.writeUInt16BE(word & 0xffff, 3 + 2 * i);
  return withCrc(body);
}

export function encodeException(unit: number, fn: number, code: number): Buffer {
  return withCrc(Buffer.from([unit, fn | 0x80, code]));
}
