import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePayload, type PayloadKind } from '../../../edge/mqtt/topics.js';
import type { Frame } from '../../../edge/protocol/frame.js';
import { buildFirmware, FIRMWARE_DIR, type LineProcess, startCoreCli } from '../../helpers/firmware.js';
import { requireCommand, tempDir } from '../../helpers/services.js';

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../../vectors/lines.json'), 'utf8')) as {
  good: { name: string; line: string; frame: Frame }[];
};
const KIND_OF: Record<string, PayloadKind> = { status: 'nodeStatus', current: 'nodeCurrent', climate: 'nodeClimate', error: 'nodeError' };
/** The kit's clock in the core-cli's wifi runs: 1750000000000 at the node's start, 100 ms per step. */
const KIT_START = 1_750_000_000_000;

interface Published {
  topic: string;
  payload: Record<string, unknown> & { ts: number; seq?: number };
  /** The kit's time when it was published (the last "at" line before it, plus up to a second). */
  after: number;
}

describe('the ESP32 Wi-Fi mode in the portable core (ring, kit clock, uplink), on the host', () => {
  const dir = tempDir('firmware-wifi');
  let core: LineProcess;

  beforeAll(() => {
    core = startCoreCli(buildFirmware('host', dir.path));
  });
  afterAll(async () => {
    await core?.stop();
    dir.remove();
  });

  /** Runs the node against the fake broker; every publish, checked against the kit's payload schemas on the way. */
  async function wifi(seconds: number, downFrom: number, downTo: number, ringBytes: number) {
    const lines = await core.ask(`wifi\t${seconds}\t${downFrom}\t${downTo}\t${ringBytes}`, (l) => l.startsWith('end '));
    const published: Published[] = [];
    let after = KIT_START;
    for (const line of lines) {
      if (line.startsWith('at ')) after = Number(line.split(' ')[2]);
      if (!line.startsWith('pub ')) continue;
      const [, topic = '', ...rest] = line.split(' ');
      const text = rest.join(' ');
      const decoded = decodePayload(KIND_OF[topic] as PayloadKind, text);
      expect(decoded, `${topic} ${text}`).toMatchObject({ ok: true });
      published.push({ topic, payload: JSON.parse(text), after });
    }
    const end = Object.fromEntries(
      (lines.at(-1) as string)
        .split(' ')
        .slice(1)
        .map((kv) => kv.split('=').map((x, i) => (i ? Number(x) : x))),
    ) as Record<'queued' | 'acked' | 'dropped' | 'resent' | 'left', number>;
    const readings = published.filter((p) => p.topic !== 'status');
    return { published, readings, end, seqs: [...new Set(readings.map((r) => r.payload.seq as number))] };
  }

  it('turns every protocol line into the MQTT payload the kit takes, with the same values', async () => {
    for (const { name, line, frame } of vectors.good) {
      const [answer] = await core.ask(`json\t${line}`);
      // A heartbeat has no MQTT message; part counts (P lines) travel on serial nodes only so far (docs/wiring-wifi-node.md).
      if (frame.type === 'heartbeat' || frame.type === 'count') {
        expect(answer, name).toBe('none');
        continue;
      }
      const [topic = '', ...rest] = (answer as string).split(' ');
      const decoded = decodePayload(KIND_OF[topic] as PayloadKind, rest.join(' '));
      expect(decoded.ok, `${name}: ${answer}`).toBe(true);
      const payload = (decoded as { payload: Record<string, unknown> }).payload;
      if (frame.type === 'hello')
        expect(payload).toEqual({ online: true, ts: 1700000000000, firmware: frame.firmware, channels: frame.channels });
      if (frame.type === 'current') expect(payload).toEqual({ ts: 1700000000000, seq: 7, amps: frame.amps });
      if (frame.type === 'climate') {
        const { channel, temperatureC, humidityPct } = frame;
        expect(payload).toEqual({ ts: 1700000000000, seq: 7, channel, temperatureC, humidityPct });
      }
      if (frame.type === 'sensorError') expect(payload).toEqual({ ts: 1700000000000, seq: 7, channel: frame.channel, code: frame.code });
    }
    expect(await core.ask('json\tM1,3,Q,x*0000')).toEqual(['none']);
  });

  it('keeps the quickest clock message, follows a kit clock set back at once, and converts across the millis() wrap', async () => {
    const near = 0xffffffff - 5000;
    expect(await core.ask(`kit\t${near}\t${near}`)).toEqual(['unsynced']);
    expect(await core.ask(`clock\t1750000000000\t${near}`)).toEqual([`offset ${1750000000000 - near}`]);
    // 10 s later a message that took 40 ms more: the offset stays with the quicker one.
    expect(await core.ask(`clock\t1750000009960\t${near + 10_000}`)).toEqual([`offset ${1750000000000 - near}`]);
    // After the wrap, a reading measured before it is still placed right.
    expect(await core.ask(`kit\t${near + 1000}\t${(near + 20_000) % 2 ** 32}`)).toEqual(['kit 1750000001000']);
    // A person sets the kit's clock back by a minute: followed at the next message.
    const back = (near + 30_000) % 2 ** 32;
    expect(await core.ask(`clock\t1749999970000\t${back}`)).toEqual([`offset ${1749999970000 - (near + 30_000)}`]);
  });

  it('with the link up: status first, then every reading once, numbered without a gap, stamped with the kit time of measuring', async () => {
    const { published, readings, end, seqs } = await wifi(40, 100, 100, 100_000);
    expect(published[0]?.topic).toBe('status');
    expect(seqs).toEqual([...Array(end.queued).keys()].slice(0, seqs.length));
    expect(readings.length).toBe(seqs.length);
    expect(end.queued - end.acked).toBeLessThanOrEqual(8);
    // The node's millis() wrap 20 s in: the times go on evenly, 3 ms behind the kit (the clock message's travel time).
    const currents = readings.filter((r) => r.topic === 'current').map((r) => r.payload.ts);
    expect(currents.slice(1).map((ts, i) => ts - (currents[i] as number))).toEqual(currents.slice(1).map(() => 1000));
    for (const r of readings) expect(r.after - r.payload.ts).toBeLessThanOrEqual(1003);
  });

  it('while the link is down for half a minute: readings wait in the ring and go out oldest first with their own times', async () => {
    const { published, readings, end, seqs } = await wifi(60, 10, 40, 100_000);
    expect(end.dropped).toBe(0);
    expect(seqs).toEqual([...Array(seqs.length).keys()]);
    expect(seqs.length).toBeGreaterThan(end.queued - 9);
    // The status again on reconnecting, before the backlog.
    const statuses = published.flatMap((p, i) => (p.topic === 'status' ? [i] : []));
    expect(statuses).toHaveLength(2);
    const backlog = readings.filter((r) => r.after >= KIT_START + 40_000 && r.payload.ts < KIT_START + 40_000);
    expect(backlog.length).toBeGreaterThan(40); // 30 s of a current reading a second and a climate one every 2 s
    for (const r of backlog) expect(r.payload.ts).toBeGreaterThanOrEqual(KIT_START + 9_000);
    // Only what was unacknowledged when the link broke may come twice.
    expect(readings.length - seqs.length).toBeLessThanOrEqual(end.resent);
  });

  it("the sketch's Wi-Fi transport type-checks against the Arduino-ESP32 and esp-mqtt calls it makes (no ESP32 compiler here)", () => {
    requireCommand('g++', 'apt-get install g++');
    expect(() => execFileSync('make', ['-s', '-C', FIRMWARE_DIR, 'esp32-check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('a ring too small for the outage drops its oldest readings, and the kit sees exactly that gap', async () => {
    const { readings, end, seqs } = await wifi(60, 10, 40, 1500);
    expect(end.dropped).toBeGreaterThan(0);
    const missing = [...Array((seqs.at(-1) as number) + 1).keys()].filter((s) => !seqs.includes(s));
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThanOrEqual(end.dropped);
    // One run of missing numbers: the oldest of the outage, not scattered ones.
    expect((missing.at(-1) as number) - (missing[0] as number) + 1).toBe(missing.length);
    // What is sent is in the order measured.
    const times = readings.map((r) => r.payload.ts);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
