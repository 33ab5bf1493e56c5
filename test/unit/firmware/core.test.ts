import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../../edge/protocol/frame.js';
import { parseLine } from '../../../edge/protocol/parseLine.js';
import { buildFirmware, type LineProcess, startCoreCli } from '../../helpers/firmware.js';
import { tempDir } from '../../helpers/services.js';

interface Vectors {
  good: { name: string; line: string; frame: Frame }[];
  bad: { name: string; line: string; reason: string }[];
}
const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../../vectors/lines.json'), 'utf8')) as Vectors;
const KIND_LETTER = { current: 'I', climate: 'C' } as const;

/** The core-cli request that asks the C encoder for this frame (words are tab-separated). */
function encodeRequest(frame: Frame): string {
  const words = (...w: (string | number)[]) => w.join('\t');
  switch (frame.type) {
    case 'hello':
      return words('hello', frame.seq, frame.nodeId, frame.firmware, frame.channels.map((c) => `${c.id}:${KIND_LETTER[c.kind]}`).join(';'));
    case 'current':
      return words('current', frame.seq, ...Object.entries(frame.amps).map(([id, a]) => `${id}=${a}`));
    case 'climate':
      return words('climate', frame.seq, frame.channel, frame.temperatureC, frame.humidityPct);
    case 'heartbeat':
      return words('heartbeat', frame.seq, frame.uptimeS);
    case 'sensorError':
      return words('error', frame.seq, frame.channel, frame.code);
    case 'count':
      return words('count', frame.seq, frame.channel, frame.total, frame.lastPartAgeMs);
  }
}

/** The same request built from a bad vector's text: what a firmware bug would hand the encoder. */
function requestFromText(line: string): string | null {
  const body = line.split('*')[0] as string;
  const [version, seq, type, ...fields] = body.split(',');
  if (version !== 'M1' || seq === undefined) return null;
  if (type === 'I') return ['current', seq, ...fields].join('\t');
  if (type === 'C') return ['climate', seq, fields[0], fields[1]?.replace('t=', ''), fields[2]?.replace('h=', '')].join('\t');
  if (type === 'H') return ['hello', seq, ...fields].join('\t');
  return null;
}

describe('firmware core on the host', () => {
  const dir = tempDir('firmware-core');
  let core: LineProcess;
  const one = async (request: string) => (await core.ask(request))[0] as string;

  beforeAll(() => {
    core = startCoreCli(buildFirmware('host', dir.path));
  });
  afterAll(async () => {
    await core?.stop();
    dir.remove();
  });

  it('computes CRC-16/CCITT-FALSE with the documented check value', async () => {
    expect(await one('crc\t123456789')).toBe('29B1');
    expect(await one('crc\t')).toBe('FFFF');
  });

  it.each(vectors.good.map((v) => [v.name, v] as const))(
    'encodes the good vector "%s" byte for byte, CRLF-terminated',
    async (_name, vector) => {
      const [line] = await core.ask(encodeRequest(vector.frame));
      // readline took the LF; the CR must still be there.
      expect(line).toBe(`${vector.line}\r`);
    },
  );

  it('refuses to encode what the edge would reject: values out of range, bad ids and kinds, an overlong line', async () => {
    // The other bad vectors (a spoiled or missing CRC, a truncated line, garbage, an unknown version or type, a
    // sequence number over 65535, a non-number) cannot be asked of this encoder: its arguments are typed integers.
    const refused = [
      'negative current',
      'humidity over 100',
      'temperature over sensor range',
      'overlong line',
      'hello with bad channel kind',
      'bad channel id',
    ];
    for (const name of refused) {
      const vector = vectors.bad.find((v) => v.name === name);
      expect(vector, `vector "${name}" in lines.json`).toBeDefined();
      expect(await one(requestFromText(vector?.line ?? '') ?? ''), name).toMatch(/^error \d$/);
    }
    expect(await one('error\t1\tenv1\ti2c_nack')).toMatch(/^error/); // codes are upper case
    expect(await one('count\t1\tCnt1\t5\t0')).toMatch(/^error/); // a count channel is an id like any other
    expect(await one('count\t65535\tcnt1\t4294967295\t4294967295')).toMatch(/^M1,65535,P,cnt1,n=4294967295,a=4294967295\*/);
    expect(await one(`current\t1\t${'a'.repeat(33)}=1.00`)).toMatch(/^error/); // ids are at most 32 characters
    expect(await one(`current\t1\t${'a'.repeat(32)}=1.00`)).toMatch(/^M1,1,I,a{32}=1\.00\*/);
  });

  it('writes fixed-point values like printf without a float: rounding, negative temperatures, no "-0.00"', async () => {
    expect(await one('climate\t7\tenv1\t-0.004\t0.04')).toMatch(/^M1,7,C,env1,t=0\.00,h=0\.0\*/);
    expect(await one('climate\t7\tenv1\t-40\t100')).toMatch(/^M1,7,C,env1,t=-40\.00,h=100\.0\*/);
    expect(await one('current\t9\tct1=1000\tct2=0.005')).toMatch(/^M1,9,I,ct1=1000\.00,ct2=0\.01\*/);
    expect(await one('current\t9\tct1=1000.01')).toMatch(/^error/);
    expect(await one('heartbeat\t65535\t4294967295')).toMatch(/^M1,65535,B,4294967295\*/);
  });

  it('checks and converts SHT3x measurements (CRC-8 0x31, datasheet formulas)', async () => {
    expect(await one('crc8\tBEEF')).toBe('92'); // the datasheet's example
    // 0x6666 → -45 + 175·26214/65535 = 25.00 °C; 0x8000 → 100·32768/65535 = 50.0 %RH.
    const word = async (hex: string) => hex + (await one(`crc8\t${hex}`));
    const frame = async (t: string, h: string) => `${await word(t)}${await word(h)}`;
    expect(await one(`sht\t${await frame('6666', '8000')}`)).toBe('ok 2500 500');
    expect(await one(`sht\t${await frame('0000', '0000')}`)).toBe('range'); // -45 °C: below what the sensor measures
    expect(await one(`sht\t${await frame('FFFF', 'FFFF')}`)).toBe('range'); // 130 °C
    expect(await one(`sht\t${await frame('0751', 'FFFF')}`)).toBe('ok -4000 1000'); // the bottom of the range, 100 %RH
    expect(await one(`sht\t${await frame('074C', 'FFFF')}`)).toBe('range'); // -40.01 °C
    const good = await frame('6666', '8000');
    expect(await one(`sht\t${good.slice(0, 5)}0${good.slice(6)}`)).toBe('crc'); // a flipped bit in the temperature
    expect(await one(`sht\t${good.slice(0, 11)}${good[11] === '0' ? '1' : '0'}`)).toBe('crc'); // in the humidity CRC
  });

  describe('RMS of a CT channel against synthetic waveforms (30 A/V CT, 2.5 V bias, 5 V 10-bit ADC, 2.5 kHz per channel)', () => {
    // The stated bound: ±(0.5 % of the true RMS + 0.05 A), a third of one ADC step (0.146 A), from 0 A up to the
    // point where the peak reaches the rail (53 A for this scale and bias).
    const bound = (trueAmps: number) => 0.005 * trueAmps + 0.05;
    const cases: [string, string][] = [
      ['a 10 A sine at 50 Hz', 'amps=10'],
      ['a 10 A sine at 60 Hz', 'amps=10\thz=60'],
      ['idle level, 1 A', 'amps=1'],
      ['half an ampere', 'amps=0.5\thz=60'],
      ['a stopped machine: noise only', 'amps=0\tnoise=0.1'],
      ['near full scale, 50 A', 'amps=50'],
      ['with 3rd, 5th, 7th harmonics (an inverter drive)', 'amps=30\th=3:0.3\th=5:0.15\th=7:0.05'],
      ['with noise', 'amps=5\tnoise=0.2\tseed=42'],
      ['burden bias 0.2 V low', 'amps=5\tbias=2.3'],
      ['burden bias 0.2 V high at 60 Hz', 'amps=5\tbias=2.7\thz=60'],
      ['mains at 49.8 Hz (not whole cycles)', 'amps=5\thz=49.8'],
      ['mains at 60.2 Hz', 'amps=5\thz=60.2'],
      ['everything at once, 3 s', 'amps=12\tphase=1.1\th=3:0.4\tnoise=0.1\tbias=2.45\thz=60\tseconds=3'],
      ['one CT on the node (10 kHz on it)', 'amps=1\tchannels=1'],
      ['a 100 A/V CT at 100 A', 'amps=100\tapv=100'],
    ];
    it.each(cases)('%s', async (_name, spec) => {
      const answer = (await one(`rms\t${spec}`)).split(' ');
      const measured = Number(answer[1]);
      const truth = Number(answer[3]);
      expect(answer[9], 'no clipping').toBe('0');
      expect(Math.abs(measured - truth)).toBeLessThanOrEqual(bound(truth));
    });

    it('flags a clipped signal (60 A on a 30 A/V CT) and reads it low, never high', async () => {
      const answer = (await one('rms\tamps=60')).split(' ');
      expect(answer[9]).toBe('1');
      expect(Number(answer[1])).toBeLessThan(60);
    });
  });

  describe('the node schedule', () => {
    /** Every line the node sends in `seconds` with CTs at the given amps; each must parse with the edge's own parser. */
    async function run(seconds: number, ...args: string[]) {
      const out = await core.ask(['node', seconds, ...args].join('\t'), (l) => l.startsWith('end '));
      const end = (out.pop() as string).split(' ');
      const frames = out.map((raw) => {
        expect(raw.endsWith('\r')).toBe(true);
        const parsed = parseLine(raw.slice(0, -1));
        if (!parsed.ok) throw new Error(`the edge rejects "${raw}": ${parsed.reason} ${parsed.detail}`);
        return parsed.frame;
      });
      expect(Number(end[2]), 'lines the encoder refused').toBe(0);
      expect(Number(end[1])).toBe(frames.length);
      return frames;
    }

    it('says hello with sequence 0, then numbers every line, with current every second, climate every 2 s, heartbeat every 10 s', async () => {
      const frames = await run(65, '12.5', '0', '3', '20');
      expect(frames[0]).toEqual({
        type: 'hello',
        seq: 0,
        nodeId: 'node-a',
        firmware: '1.0.0',
        channels: [
          { id: 'ct1', kind: 'current' },
          { id: 'ct2', kind: 'current' },
          { id: 'ct3', kind: 'current' },
          { id: 'ct4', kind: 'current' },
          { id: 'env1', kind: 'climate' },
        ],
      });
      expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
      const of = (type: Frame['type']) => frames.filter((f) => f.type === type);
      expect(of('current')).toHaveLength(65);
      expect(of('climate')).toHaveLength(33);
      expect(of('heartbeat').map((f) => (f.type === 'heartbeat' ? f.uptimeS : 0))).toEqual([10, 20, 30, 40, 50, 60]);
      expect(of('hello')).toHaveLength(2); // at start and after 60 s
      for (const f of of('current')) {
        if (f.type !== 'current') continue;
        expect(f.amps.ct1).toBeCloseTo(12.5, 1);
        expect(f.amps.ct2).toBe(0);
        expect(f.amps.ct3).toBeCloseTo(3, 1);
        expect(f.amps.ct4).toBeCloseTo(20, 1);
      }
      const climate = of('climate')[0];
      expect(climate?.type === 'climate' && [climate.temperatureC, climate.humidityPct]).toEqual([25.29, 56.7]);
    });

    it('sends an I2C_NACK error line instead of each climate line while the sensor does not answer', async () => {
      const frames = await run(7, '1', 'nack');
      expect(frames.filter((f) => f.type === 'climate')).toHaveLength(0);
      const errors = frames.filter((f) => f.type === 'sensorError');
      expect(errors).toHaveLength(4); // at 0, 2, 4 and 6 s
      expect(errors[0]).toEqual({ type: 'sensorError', seq: 1, channel: 'env1', code: 'I2C_NACK' });
      for (const e of errors) expect(e).toMatchObject({ channel: 'env1', code: 'I2C_NACK' });
    });

    it('reports a CT that clips for 5 s (not a 2 s inrush) with ADC_RANGE, repeated every 10 s, and keeps sending its reading', async () => {
      const frames = await run(26, '80', '1');
      const errors = frames.filter((f) => f.type === 'sensorError');
      expect(errors.map((f) => f.type === 'sensorError' && f.channel + ' ' + f.code)).toEqual([
        'ct1 ADC_RANGE',
        'ct1 ADC_RANGE',
        'ct1 ADC_RANGE',
      ]);
      const currents = frames.filter((f) => f.type === 'current');
      expect(currents).toHaveLength(26);
      // The first error follows the fifth clipped reading.
      const fifth = currents[4] as Frame;
      expect(errors[0]?.seq).toBe(fifth.seq + 1);
    });
  });
});
