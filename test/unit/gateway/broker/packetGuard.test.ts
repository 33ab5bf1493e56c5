import { describe, expect, it } from 'vitest';
import { MAX_CONNECT_BYTES, MAX_SUBSCRIBE_BYTES, PacketSizeReader } from '../../../../gateway/broker/packetGuard.js';
import { connectPacket, publishHeader, publishPacket, remainingLength, subscribePacket } from '../../../helpers/mqttRaw.js';

const LIMIT = 32 * 1024;
const PINGREQ = Buffer.from([0xc0, 0x00]);

describe('packet size reader', () => {
  it('follows a client session through packets split at every byte, and lets it through', () => {
    const session = Buffer.concat([
      connectPacket({ clientId: 'node-b', username: 'node-b', password: 'a password' }),
      publishPacket('minotake/v1/k/node/node-b/current', JSON.stringify({ ts: 1, seq: 1, amps: { ct1: 2 } })),
      PINGREQ,
      publishPacket('minotake/v1/k/edge/health', 'x'.repeat(LIMIT - 40)),
      PINGREQ,
    ]);
    const reader = new PacketSizeReader(LIMIT);
    expect([...session].map((byte) => reader.read(Buffer.from([byte]))).filter(Boolean)).toEqual([]);
    expect(new PacketSizeReader(LIMIT).read(session)).toBeUndefined();
  });

  it('refuses a CONNECT announcing 200 MB from its header alone', () => {
    const header = Buffer.concat([Buffer.from([0x10]), remainingLength(200 * 1024 * 1024)]);
    expect(header.length).toBe(5);
    expect(new PacketSizeReader(LIMIT).read(header)).toMatchObject({
      packet: 'CONNECT',
      announcedBytes: 200 * 1024 * 1024,
      limitBytes: MAX_CONNECT_BYTES,
    });
  });

  it('refuses a CONNECT larger than a CONNECT can be, even under the packet limit', () => {
    const big = connectPacket({ clientId: 'c'.repeat(3000) });
    expect(new PacketSizeReader(LIMIT).read(big)).toMatchObject({ packet: 'CONNECT', limitBytes: MAX_CONNECT_BYTES });
  });

  it('refuses a publish over the limit at its header, and takes one exactly at it', () => {
    const connect = connectPacket({ clientId: 'x', username: 'u', password: 'p' });
    const topic = 'minotake/v1/k/node/n/current';
    const atLimit = publishHeader(topic, LIMIT - (2 + topic.length));
    const reader = new PacketSizeReader(LIMIT);
    expect(reader.read(Buffer.concat([connect, atLimit]))).toBeUndefined();
    expect(reader.read(Buffer.alloc(LIMIT - (2 + topic.length)))).toBeUndefined();
    expect(reader.read(publishHeader(topic, 50 * 1024 * 1024))).toMatchObject({ packet: 'PUBLISH', limitBytes: LIMIT });
  });

  it('takes a SUBSCRIBE of a hundred filters and refuses one of thousands, under the packet limit', () => {
    const connect = connectPacket({ clientId: 'x', username: 'u', password: 'p' });
    const filters = (count: number) => Array.from({ length: count }, (_, i) => `minotake/v1/k/node/n/${i}`);
    const reader = new PacketSizeReader(LIMIT);
    expect(reader.read(Buffer.concat([connect, subscribePacket(1, filters(100))]))).toBeUndefined();
    const many = subscribePacket(2, filters(850));
    expect(many.length).toBeLessThan(LIMIT);
    expect(reader.read(many)).toMatchObject({ packet: 'SUBSCRIBE', limitBytes: MAX_SUBSCRIBE_BYTES });
  });

  it('closes a connection that does not start with a CONNECT or sends a broken length', () => {
    expect(new PacketSizeReader(LIMIT).read(publishPacket('a', 'b'))?.reason).toBe('the first packet is not a CONNECT');
    expect(new PacketSizeReader(LIMIT).read(Buffer.from('GET / HTTP/1.1\r\n'))?.reason).toBe('the first packet is not a CONNECT');
    expect(new PacketSizeReader(LIMIT).read(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]))?.reason).toBe('malformed remaining length');
  });
});
