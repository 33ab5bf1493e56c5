/** Builders for the broken lines a real serial link produces: flipped bits, cut lines, noise, runaway lines. */
import { encodeFrame, MAX_LINE_LENGTH } from './encoder.js';

/**
 * A line with one digit changed after the checksum was computed, as if the wire flipped a bit. One
 * changed character is a burst of at most 8 bits, which CRC-16 always detects, so the edge is sure to
 * reject it as `bad_checksum` (and not as something else: the shape stays valid).
 */
export function corruptLine(line: string, random: () => number): string {
  const star = line.lastIndexOf('*');
  const fieldsStart = nthIndexOf(line, ',', 3) + 1; // after "M1,<seq>,<type>,"
  const digits: number[] = [];
  for (let i = fieldsStart; i > 0 && i < star; i++) {
    const code = line.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) digits.push(i);
  }
  if (digits.length === 0) {
    // No digit in the fields: damage the checksum itself (swap its last hex digit for another).
    const last = line[line.length - 1] === '0' ? '1' : '0';
    return line.slice(0, -1) + last;
  }
  const at = digits[Math.floor(random() * digits.length)] as number;
  // XOR 1 keeps a digit a digit (0↔1, 2↔3 …), so only the checksum can tell.
  const flipped = String.fromCharCode(line.charCodeAt(at) ^ 1);
  return line.slice(0, at) + flipped + line.slice(at + 1);
}

/**
 * A line cut somewhere inside its fields, before the checksum (a node reset or dropped bytes mid-line).
 * It keeps "M1,<seq>,<type>," so the edge sees a right version but a bad shape: `bad_format`.
 */
export function truncateLine(line: string, random: () => number): string {
  const star = line.lastIndexOf('*');
  const fieldsStart = nthIndexOf(line, ',', 3) + 1;
  const low = Math.max(fieldsStart + 1, 4);
  const high = star > low ? star : line.length - 1;
  return line.slice(0, low + Math.floor(random() * (high - low)));
}

/**
 * Noise bytes as a latin1 string (one character per byte): what a USB-serial adapter sees while a node
 * boots or a cable is plugged in. No CR or LF inside, so the edge sees exactly one bad line once the
 * caller ends it; never starting with "M" so it cannot pass as a version-1 line.
 */
export function garbageBytes(count: number, random: () => number): string {
  let text = '';
  while (text.length < count) {
    const byte = Math.floor(random() * 256);
    if (byte === 0x0a || byte === 0x0d) continue;
    if (text.length === 0 && byte === 0x4d) continue;
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * A well-formed current line with a correct checksum that is simply too long (a firmware with too many
 * channels for one line): exactly `length` characters, so the only thing wrong with it is `too_long`.
 */
export function overlongLine(seq: number, length: number): string {
  if (!Number.isInteger(length) || length <= MAX_LINE_LENGTH)
    throw new RangeError(`an overlong line must be longer than ${MAX_LINE_LENGTH}, got ${length}`);
  // Each entry is `<id>=10.00` and a comma: 7 + id length (1–32) characters, one comma fewer in all.
  // Spread the characters evenly over as few entries as possible; each id is then 12–32 characters.
  const budget = length - `M1,${seq},I,`.length - '*FFFF'.length + 1;
  const entries = Math.ceil(budget / 39);
  const amps: Record<string, number> = {};
  for (let n = 0; n < entries; n++) {
    const cost = Math.floor(budget / entries) + (n < budget % entries ? 1 : 0);
    const prefix = `ct${n}`;
    // Digits then padding keeps every id distinct.
    amps[prefix + 'x'.repeat(cost - 7 - prefix.length)] = 10;
  }
  return encodeFrame({ type: 'current', seq, amps });
}

function nthIndexOf(text: string, char: string, n: number): number {
  let index = -1;
  for (let i = 0; i < n; i++) {
    index = text.indexOf(char, index + 1);
    if (index < 0) return -1;
  }
  return index;
}
