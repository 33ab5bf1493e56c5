/** Turns the words a Modbus device answered into readings: numbers by type, word order and scale, held to the MQTT contract's ranges. */
import type { ModbusRegisterConfig } from '../../../config/schema.js';
import type { PowerReading } from '../types.js';
import type { PlannedRegister, ReadBlock } from './readPlan.js';

type Quantity = ModbusRegisterConfig['quantity'];

/** What each quantity can be (the ranges of edge/mqtt/topics.ts): a value outside is a broken sensor or a wrong map, not a reading. */
const RANGES: Record<Quantity, [number, number]> = {
  current: [0, 1000],
  voltage: [0, 100_000],
  power: [-10_000_000, 10_000_000],
  energy: [0, 1e12],
  powerFactor: [-1, 1],
  frequency: [0, 1000],
  temperature: [-40, 125],
  humidity: [0, 100],
  // A part counter's running total: unsigned, one or two registers.
  count: [0, 2 ** 32 - 1],
};

const POWER_FIELDS = { voltage: 'volts', power: 'watts', energy: 'kwh', powerFactor: 'powerFactor', frequency: 'hz' } as const;

export interface DeviceReadings {
  amps: Record<string, number>;
  climate: { channel: string; temperatureC: number; humidityPct: number }[];
  power: PowerReading[];
  /** Part counters' running totals and where they wrap (65536 for one register, 2^32 for two): the edge counts their rise. */
  counts: { channel: string; total: number; modulo: number }[];
  /** Values no such quantity can have (NaN from a meter, 6553.5 °C from a sensor without its probe): dropped, and counted. */
  badValues: { channel: string; quantity: Quantity; value: number }[];
  /** Channels the device refused to read, with the exception code it answered. */
  errors: { channel: string; code: string }[];
}

/** What a poll got for one block: its words, or the exception code the device answered instead. */
export type BlockResult = { block: ReadBlock; words: number[] } | { block: ReadBlock; exception: number };

export function decodeRegister(words: readonly number[], register: PlannedRegister): number {
  const first = words[register.offset] ?? 0;
  const second = words[register.offset + 1] ?? 0;
  const [high, low] = register.wordOrder === 'high-first' ? [first, second] : [second, first];
  let raw: number;
  switch (register.type) {
    case 'uint16':
      raw = first;
      break;
    case 'int16':
      raw = (first << 16) >> 16;
      break;
    case 'uint32':
      raw = ((high << 16) | low) >>> 0;
      break;
    case 'int32':
      raw = (high << 16) | low;
      break;
    case 'float32': {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt16BE(high, 0);
      bytes.writeUInt16BE(low, 2);
      raw = shortestFloat32(bytes.readFloatBE(0));
      break;
    }
  }
  // 234 × 0.1 must be stored as 23.4, not 23.400000000000002.
  return register.scale === 1 ? raw : Number((raw * register.scale).toPrecision(12));
}

/** The shortest decimal that is the same float32: a meter's 12.3 is 12.3, not 12.300000190734863 (and 1227.1875 stays whole). */
function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

export function readingsOf(results: BlockResult[]): DeviceReadings {
  const readings: DeviceReadings = { amps: {}, climate: [], power: [], counts: [], badValues: [], errors: [] };
  const climate = new Map<string, { temperature?: number; humidity?: number }>();
  const power = new Map<string, PowerReading>();
  for (const result of results) {
    if ('exception' in result) {
      const channels = new Set(result.block.registers.map((r) => r.channel));
      for (const channel of channels) readings.errors.push({ channel, code: `MODBUS_EXCEPTION_${result.exception}` });
      continue;
    }
    for (const register of result.block.registers) {
      const { channel, quantity } = register;
      const value = decodeRegister(result.words, register);
      const [min, max] = RANGES[quantity];
      if (!(value >= min && value <= max)) {
        readings.badValues.push({ channel, quantity, value });
        continue;
      }
      if (quantity === 'current') readings.amps[channel] = value;
      else if (quantity === 'count') {
        if (Number.isInteger(value))
          readings.counts.push({ channel, total: value, modulo: register.type.endsWith('16') ? 2 ** 16 : 2 ** 32 });
        else readings.badValues.push({ channel, quantity, value });
      } else if (quantity === 'temperature' || quantity === 'humidity') {
        climate.set(channel, { ...climate.get(channel), [quantity]: value });
      } else {
        const reading = power.get(channel) ?? { channel };
        reading[POWER_FIELDS[quantity]] = value;
        power.set(channel, reading);
      }
    }
  }
  for (const [channel, { temperature, humidity }] of climate) {
    // A climate reading is a pair: half of one is not published (WBGT needs both).
    if (temperature !== undefined && humidity !== undefined)
      readings.climate.push({ channel, temperatureC: temperature, humidityPct: humidity });
  }
  readings.power = [...power.values()];
  return readings;
}
