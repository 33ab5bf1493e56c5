/** Time on an RS-485 wire: a character, the 3.5-character silence that ends a frame, one read request and its answer. */
import type { ModbusBusConfig } from '../../../config/schema.js';

type Framing = Pick<ModbusBusConfig, 'baudRate' | 'parity' | 'stopBits'>;

/** Start bit, 8 data bits, the parity bit if any, the stop bits. */
export const bitsPerChar = (bus: Framing): number => 1 + 8 + (bus.parity === 'none' ? 0 : 1) + bus.stopBits;

export const charMs = (bus: Framing): number => (1000 * bitsPerChar(bus)) / bus.baudRate;

/** t3.5, the silence that ends a frame; above 19200 baud the Modbus serial spec fixes it at 1.75 ms. */
export const frameGapMs = (bus: Framing): number => (bus.baudRate > 19200 ? 1.75 : 3.5 * charMs(bus));

/** One read of `count` registers on the wire: an 8-byte request and a (5 + 2·count)-byte answer, each followed by t3.5. */
export const readWireMs = (bus: Framing, count: number): number => (8 + 5 + 2 * count) * charMs(bus) + 2 * frameGapMs(bus);
