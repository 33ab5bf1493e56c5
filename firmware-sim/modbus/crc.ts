/** CRC-16/MODBUS, the check at the end of every RTU frame; the simulator's own, independent of the library the edge uses. */

// Bitwise like a slave's firmware would do it (no 512-byte table): reflected polynomial 0xA001, initial value 0xFFFF.
const POLY = 0xa001;

export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLY : crc >>> 1;
  }
  return crc;
}

/** The frame with its CRC appended, low byte first as RTU sends it. */
export function withCrc(body: Uint8Array): Buffer {
  const crc = crc16Modbus(body);
  return Buffer.concat([body, Buffer.from([crc & 0xff, crc >>> 8])]);
}

/** True when the last two bytes are the CRC of the rest. */
export function crcOk(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const crc = crc16Modbus(frame.subarray(0, -2));
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >>> 8;
}
