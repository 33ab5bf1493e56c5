/** The frames a sensor node sends over the serial line protocol, version 1 (docs/protocol.md). */

export const PROTOCOL_VERSION = 'M1';
/** Longest line accepted, without its line terminator. */
export const MAX_LINE_LENGTH = 160;
/** Sequence numbers wrap from 65535 to 0. */
export const SEQ_MODULO = 65536;
/** A node's part counter is an unsigned 32-bit number that wraps to 0. */
export const COUNT_MODULO = 2 ** 32;

export type ChannelKind = 'current' | 'climate';

export type Frame =
  | { type: 'hello'; seq: number; nodeId: string; firmware: string; channels: { id: string; kind: ChannelKind }[] }
  | { type: 'current'; seq: number; amps: Record<string, number> }
  | { type: 'climate'; seq: number; channel: string; temperatureC: number; humidityPct: number }
  | { type: 'heartbeat'; seq: number; uptimeS: number }
  | { type: 'sensorError'; seq: number; channel: string; code: string }
  /** A part counter's running total (wraps at 2^32) and how long ago its last pulse was, in the node's own ms. */
  | { type: 'count'; seq: number; channel: string; total: number; lastPartAgeMs: number };

export type RejectReason = 'too_long' | 'bad_version' | 'bad_checksum' | 'bad_format' | 'unknown_type' | 'bad_value';

export type ParseResult = { ok: true; frame: Frame } | { ok: false; reason: RejectReason; detail: string };
