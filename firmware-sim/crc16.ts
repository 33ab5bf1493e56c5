/** CRC-16/CCITT-FALSE, the checksum at the end of every line the sensor node sends (docs/protocol.md). */

// Written bitwise on purpose: this is what the node's C firmware does (no 512-byte table in a
// microcontroller's RAM), and it keeps the simulator independent of the edge's table-driven parser.
const POLY = 0x1021;
const INIT = 0xffff;

/** Checksum of a line's bytes. A string is taken one byte per character (the protocol is ASCII). */
export function crc16(data: string | Uint8Array): number {
  let crc = INIT;
  const length = data.length;
  for (let i = 0; i < length; i++) {
    const byte = typeof data === 'string' ? data.charCodeAt(i) & 0xff : (data[i] as number);
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      // No reflection and no final XOR: shift MSB-first, feed back the polynomial when the top bit falls out.
      crc = crc & 0x8000 ? ((crc << 1) ^ POLY) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** The checksum as the four upper-case hex digits that follow `*` on the wire. */
export function crc16Hex(data: string | Uint8Array): string {
  return crc16(data).toString(16).toUpperCase().padStart(4, '0');
}
