/** Turns the node's frames into serial protocol v1 lines (docs/protocol.md), the way the firmware prints them. */
import { crc16Hex } from './crc16.js';

export const PROTOCOL_VERSION = 'M1';
/** Longest line the edge accepts, without its terminator. */
export const MAX_LINE_LENGTH = 160;
/** Sequence numbers run 0…65535 and wrap. */
export const SEQ_MODULO = 65536;
/** The firmware ends every line with CRLF (the edge also accepts a bare LF). */
export const LINE_END = '\r\n';

export type SimChannelKind = 'current' | 'climate';

// The simulator's own picture of a frame. It mirrors the protocol on purpose instead of importing the
// edge's types: the firmware and the parser must agree through the documented wire format and the test
// vectors, not through shared code that would hide a disagreement.
export type SimFrame =
  | { type: 'hello'; seq: number; nodeId: string; firmware: string; channels: { id: string; kind: SimChannelKind }[] }
  | { type: 'current'; seq: number; amps: Record<string, number> }
  | { type: 'climate'; seq: number; channel: string; temperatureC: number; humidityPct: number }
  | { type: 'heartbeat'; seq: number; uptimeS: number }
  | { type: 'sensorError'; seq: number; channel: string; code: string }
  | { type: 'count'; seq: number; channel: string; total: number; lastPartAgeMs: number };

const TYPE_LETTER: Record<SimFrame['type'], string> = {
  hello: 'H',
  current: 'I',
  climate: 'C',
  heartbeat: 'B',
  sensorError: 'X',
  count: 'P',
};
/** The node's part counter is a uint32: it wraps to 0 after 4294967295. */
export const COUNT_MODULO = 2 ** 32;
const KIND_LETTER: Record<SimChannelKind, string> = { current: 'I', climate: 'C' };
// Printable ASCII without the two separators; a field holding `,` or `*` would shift every field after it.
const FIELD = /^[\x20-\x29\x2b\x2d-\x7e]+$/;

/** Fixed-point text like printf("%.2f"), but never "-0.00": a reading that rounds to zero is zero. */
export function formatFixed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot encode ${value}`);
  const text = value.toFixed(decimals);
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

function field(text: string, what: string): string {
  if (!FIELD.test(text)) throw new RangeError(`${what} ${JSON.stringify(text)} cannot be sent in a field`);
  return text;
}

function fields(frame: SimFrame): string[] {
  switch (frame.type) {
    case 'hello':
      return [
        field(frame.nodeId, 'node id'),
        field(frame.firmware, 'firmware version'),
        frame.channels.map((channel) => `${field(channel.id, 'channel id')}:${KIND_LETTER[channel.kind]}`).join(';'),
      ];
    case 'current':
      return Object.entries(frame.amps).map(([channel, amps]) => `${field(channel, 'channel id')}=${formatFixed(amps, 2)}`);
    case 'climate':
      return [field(frame.channel, 'channel id'), `t=${formatFixed(frame.temperatureC, 2)}`, `h=${formatFixed(frame.humidityPct, 1)}`];
    case 'heartbeat':
      if (!Number.isInteger(frame.uptimeS) || frame.uptimeS < 0)
        throw new RangeError(`uptime ${frame.uptimeS} is not a whole number of seconds`);
      return [String(frame.uptimeS)];
    case 'sensorError':
      return [field(frame.channel, 'channel id'), field(frame.code, 'error code')];
    case 'count':
      for (const [what, value] of [
        ['count total', frame.total],
        ['count age', frame.lastPartAgeMs],
      ] as const) {
        if (!Number.isInteger(value) || value < 0 || value >= COUNT_MODULO) throw new RangeError(`${what} ${value} is not a uint32`);
      }
      return [field(frame.channel, 'channel id'), `n=${frame.total}`, `a=${frame.lastPartAgeMs}`];
  }
}

/** Everything before `*`: the part the checksum covers. */
export function frameBody(frame: SimFrame): string {
  if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq >= SEQ_MODULO)
    throw new RangeError(`sequence number ${frame.seq} outside 0..65535`);
  return [PROTOCOL_VERSION, String(frame.seq), TYPE_LETTER[frame.type], ...fields(frame)].join(',');
}

/** Appends `*` and the CRC of the body. */
export function withChecksum(body: string): string {
  return `${body}*${crc16Hex(body)}`;
}

/** The complete line for a frame, without its terminator (add LINE_END when writing). */
export function encodeFrame(frame: SimFrame): string {
  return withChecksum(frameBody(frame));
}

/** The sequence number after `seq`, wrapping at 65536. */
export function nextSeq(seq: number): number {
  return (seq + 1) % SEQ_MODULO;
}
