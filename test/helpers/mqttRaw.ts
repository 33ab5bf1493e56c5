/** MQTT 3.1.1 packets built by hand, for attacks a client library would refuse to send. */
import { connect, type Socket } from 'node:net';

/** The remaining-length varint: 7 bits a byte, least significant first. */
export function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

const text = (value: string) => {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

export function connectPacket(options: { clientId: string; username?: string; password?: string; keepalive?: number }): Buffer {
  const flags = 0x02 | (options.username !== undefined ? 0x80 : 0) | (options.password !== undefined ? 0x40 : 0); // clean session
  const body = Buffer.concat([
    text('MQTT'),
    Buffer.from([4, flags, 0, options.keepalive ?? 60]),
    text(options.clientId),
    ...(options.username !== undefined ? [text(options.username)] : []),
    ...(options.password !== undefined ? [text(options.password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** A QoS 0 PUBLISH's fixed and variable header for a payload of `payloadBytes` that the caller sends after it. */
export function publishHeader(topic: string, payloadBytes: number): Buffer {
  const topicBytes = text(topic);
  return Buffer.concat([Buffer.from([0x30]), remainingLength(topicBytes.length + payloadBytes), topicBytes]);
}

export function publishPacket(topic: string, payload: string): Buffer {
  const bytes = Buffer.from(payload);
  return Buffer.concat([publishHeader(topic, bytes.length), bytes]);
}

/** A SUBSCRIBE of `filters`, each at QoS 1. */
export function subscribePacket(messageId: number, filters: string[]): Buffer {
  const body = Buffer.concat([Buffer.from([messageId >> 8, messageId & 0xff]), ...filters.flatMap((f) => [text(f), Buffer.from([1])])]);
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]);
}

/** A TCP connection to the broker on loopback, from `localAddress` (another 127.x address is another host to the broker). */
export function openSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Writes `total` bytes after `head`, from one reused 1 MB block (so the sender's own memory stays flat),
 * until all is written or the peer closes. Resolves with the bytes written and whether the peer closed first.
 */
export function flood(socket: Socket, head: Buffer, total: number): Promise<{ written: number; closedByPeer: boolean }> {
  const block = Buffer.alloc(1 << 20, 0x61);
  return new Promise((resolve) => {
    let written = 0;
    let closed = false;
    socket.on('error', () => {});
    socket.once('close', () => {
      closed = true;
      resolve({ written, closedByPeer: written < total });
    });
    socket.write(head);
    const pump = () => {
      while (!closed && written < total) {
        const part = total - written >= block.length ? block : block.subarray(0, total - written);
        written += part.length;
        if (!socket.write(part)) return void socket.once('drain', pump);
      }
      if (!closed) resolve({ written, closedByPeer: false });
    };
    pump();
  });
}

/** The first packet the broker sends back (a CONNACK), or undefined if the socket closes first. */
export function firstReply(socket: Socket): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    socket.once('data', (data) => resolve(data));
    socket.once('close', () => resolve(undefined));
  });
}
