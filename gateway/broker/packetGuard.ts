/**
 * A size limit for MQTT packets, enforced on each packet's fixed header before a byte of its body is kept.
 * Neither aedes nor mqtt-packet has one: the parser appends to one buffer until a packet is complete, so a
 * header announcing 200 MB made the gateway hold 200 MB. The guard sits between the socket and aedes.
 */
import { Duplex } from 'node:stream';

const CONNECT = 1;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;
const PACKET_NAMES = [
  'reserved',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
];

/**
 * A CONNECT carries a client id, a user name, a password and perhaps a small will: well under 1 KB. 2 KB
 * leaves room for long names and a status will, and a larger one is not a CONNECT anyone means.
 */
export const MAX_CONNECT_BYTES = 2048;

/**
 * A client subscribes to a few filters of the kit's tree, well under 1 KB. aedes persists a SUBSCRIBE of a persistent
 * session once per filter with every filter of the packet, so the work grows with the square of its filters: one 29 KB
 * SUBSCRIBE of 850 filters held the gateway's event loop for 2.4 s. 4 KB holds some 100 filters.
 */
export const MAX_SUBSCRIBE_BYTES = 4096;

const LIMIT_OF: Partial<Record<number, number>> = {
  [CONNECT]: MAX_CONNECT_BYTES,
  [SUBSCRIBE]: MAX_SUBSCRIBE_BYTES,
  [UNSUBSCRIBE]: MAX_SUBSCRIBE_BYTES,
};

export interface Violation {
  packet: string;
  /** The remaining length the header announced, when it was read to its end. */
  announcedBytes?: number;
  limitBytes?: number;
  reason: string;
}

/** Follows packet boundaries through the byte stream, keeping only the header being read: a few numbers, never a body. */
export class PacketSizeReader {
  private state: 'type' | 'length' | 'body' = 'type';
  private type = 0;
  private length = 0;
  private lengthBytes = 0;
  private remaining = 0;
  private packets = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Reads the next bytes of the stream; returns why the connection must close, or undefined. */
  read(chunk: Uint8Array): Violation | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skipped = Math.min(this.remaining, chunk.length - i);
        this.remaining -= skipped;
        i += skipped;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === 'type') {
        this.type = byte >> 4;
        // [MQTT-3.1.0-1]: the first packet is a CONNECT; anything else is not an MQTT client.
        if (this.packets === 0 && this.type !== CONNECT) return { packet: this.name(), reason: 'the first packet is not a CONNECT' };
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
        continue;
      }
      // The remaining length: 7 bits a byte, least significant first, at most 4 bytes.
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return { packet: this.name(), reason: 'malformed remaining length' };
        continue;
      }
      const limit = Math.min(LIMIT_OF[this.type] ?? this.maxPacketBytes, this.maxPacketBytes);
      if (this.length > limit) {
        return {
          packet: this.name(),
          announcedBytes: this.length,
          limitBytes: limit,
          reason: `${this.name()} of ${this.length} bytes (at most ${limit})`,
        };
      }
      this.packets++;
      this.remaining = this.length;
      this.state = this.remaining > 0 ? 'body' : 'type';
    }
    return undefined;
  }

  private name(): string {
    return PACKET_NAMES[this.type] ?? 'unknown';
  }
}

/**
 * The stream aedes reads and writes instead of the socket: bytes pass through unchanged once the reader
 * has seen their header; the chunk with a header over the limit is dropped and the socket destroyed.
 */
export class GuardedConnection extends Duplex {
  constructor(
    readonly socket: Duplex & { remoteAddress?: string },
    reader: PacketSizeReader,
    onViolation: (violation: Violation) => void,
  ) {
    super({ allowHalfOpen: false });
    socket.on('data', (chunk: Buffer) => {
      const violation = reader.read(chunk);
      if (violation) {
        onViolation(violation);
        this.destroy();
      } else if (!this.push(chunk)) {
        socket.pause(); // aedes reads at its own pace; the socket waits rather than filling memory
      }
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.socket.write(chunk)) done();
    else this.socket.once('drain', () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.socket.end(() => done());
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.socket.destroy();
    done(error);
  }
}
