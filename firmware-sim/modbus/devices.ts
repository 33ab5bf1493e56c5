/**
 * Register tables of the devices the kit ships maps for, written from the makers' published register maps (not from the
 * kit's maps), so a wrong address in the kit shows up as a wrong or refused reading in the tests.
 */
import { EXCEPTION, READ_HOLDING, READ_INPUT } from './frame.js';

export interface SimDevice {
  readonly model: string;
  /** The words of `count` registers from `start`, or the exception code the real device answers instead. */
  read(fn: number, start: number, count: number, nowMs: number): number[] | number;
}

function floatWords(value: number): [number, number] {
  const bytes = Buffer.alloc(4);
  bytes.writeFloatBE(value);
  return [bytes.readUInt16BE(0), bytes.readUInt16BE(2)];
}

/** XY-MD02 (SHT20): input register 1 = temperature × 10 (signed), 2 = humidity × 10; holding 0x101–0x104 its settings. */
export class SimXyMd02 implements SimDevice {
  readonly model = 'xy-md02';
  temperatureC = 24.5;
  humidityPct = 55;
  constructor(readonly address: number) {}

  read(fn: number, start: number, count: number): number[] | number {
    const table =
      fn === READ_INPUT
        ? new Map([
            [1, Math.round(this.temperatureC * 10) & 0xffff],
            [2, Math.round(this.humidityPct * 10)],
          ])
        : fn === READ_HOLDING
          ? new Map([
              [0x101, this.address],
              [0x102, 0], // 0 = 9600 baud
              [0x103, 0],
              [0x104, 0],
            ])
          : undefined;
    if (!table) return EXCEPTION.illegalFunction;
    const words: number[] = [];
    for (let a = start; a < start + count; a++) {
      const word = table.get(a);
      if (word === undefined) return EXCEPTION.illegalDataAddress;
      words.push(word);
    }
    return words;
  }
}

/**
 * Eastron SDM meters: every parameter an IEEE 754 float in two input registers (high word first) at an even address of
 * the 30001… table; unused addresses inside the table read as zero, addresses past it are refused. Energy counts up with time.
 */
abstract class SimEastron implements SimDevice {
  abstract readonly model: string;
  hz = 50;
  kwh = 0;
  private lastAt: number | undefined;
  /** Parameters by their register address. */
  protected abstract parameters(): Map<number, number>;
  protected abstract totalWatts(): number;

  read(fn: number, start: number, count: number, nowMs: number): number[] | number {
    if (fn !== READ_INPUT) return fn === READ_HOLDING ? EXCEPTION.illegalDataAddress : EXCEPTION.illegalFunction;
    if (start + count > 0x0200) return EXCEPTION.illegalDataAddress;
    if (this.lastAt !== undefined) this.kwh += (Math.max(0, this.totalWatts()) * (nowMs - this.lastAt)) / 3_600_000_000;
    this.lastAt = nowMs;
    const parameters = this.parameters();
    const words: number[] = [];
    for (let a = start; a < start + count; a++) {
      const [high, low] = floatWords(parameters.get(a & ~1) ?? 0);
      words.push(a % 2 === 0 ? high : low);
    }
    return words;
  }
}

/** SDM120: single phase (30001 volts, 30007 amps, 30013 watts, 30031 power factor, 30071 Hz, 30073 import kWh, 30343 total kWh). */
export class SimSdm120 extends SimEastron {
  readonly model = 'sdm120';
  volts = 101.5;
  amps = 0;
  powerFactor = 0.9;

  protected totalWatts(): number {
    return this.volts * this.amps * this.powerFactor;
  }

  protected parameters(): Map<number, number> {
    const va = this.volts * this.amps;
    return new Map([
      [0x0000, this.volts],
      [0x0006, this.amps],
      [0x000c, this.totalWatts()],
      [0x0012, va],
      [0x0018, Math.sqrt(Math.max(0, va * va - this.totalWatts() ** 2))],
      [0x001e, this.powerFactor],
      [0x0046, this.hz],
      [0x0048, this.kwh],
      [0x004a, 0],
      [0x0156, this.kwh],
    ]);
  }
}

/** SDM630: three phases (30001–30035 per phase), sums (30049 amps, 30053 watts, 30063 power factor), 30201… line-to-line volts. */
export class SimSdm630 extends SimEastron {
  readonly model = 'sdm630';
  volts: [number, number, number] = [115.5, 115.5, 115.5];
  amps: [number, number, number] = [0, 0, 0];
  powerFactor: [number, number, number] = [0.85, 0.85, 0.85];

  private phaseWatts(i: number): number {
    return (this.volts[i] ?? 0) * (this.amps[i] ?? 0) * (this.powerFactor[i] ?? 0);
  }

  protected totalWatts(): number {
    return this.phaseWatts(0) + this.phaseWatts(1) + this.phaseWatts(2);
  }

  /** Set all three phases at once (a balanced load). */
  setAmps(amps: number): void {
    this.amps = [amps, amps, amps];
  }

  protected parameters(): Map<number, number> {
    const table = new Map<number, number>();
    let va = 0;
    for (let i = 0; i < 3; i++) {
      const phaseVa = (this.volts[i] ?? 0) * (this.amps[i] ?? 0);
      va += phaseVa;
      table.set(0x0000 + 2 * i, this.volts[i] ?? 0);
      table.set(0x0006 + 2 * i, this.amps[i] ?? 0);
      table.set(0x000c + 2 * i, this.phaseWatts(i));
      table.set(0x0012 + 2 * i, phaseVa);
      table.set(0x0018 + 2 * i, Math.sqrt(Math.max(0, phaseVa ** 2 - this.phaseWatts(i) ** 2)));
      table.set(0x001e + 2 * i, this.powerFactor[i] ?? 0);
      table.set(0x00c8 + 2 * i, (this.volts[i] ?? 0) * Math.sqrt(3));
    }
    const amps = this.amps[0] + this.amps[1] + this.amps[2];
    table.set(0x002a, (this.volts[0] + this.volts[1] + this.volts[2]) / 3);
    table.set(0x002e, amps / 3);
    table.set(0x0030, amps);
    table.set(0x0034, this.totalWatts());
    table.set(0x0038, va);
    table.set(0x003e, va > 0 ? this.totalWatts() / va : 1);
    table.set(0x0046, this.hz);
    table.set(0x0048, this.kwh);
    table.set(0x0156, this.kwh);
    return table;
  }
}
