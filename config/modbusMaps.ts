/** Register maps of Modbus devices a technology center can buy, so a kit file names a model instead of writing out registers. */
import type { KitConfig, ModbusDeviceConfig, ModbusRegisterConfig } from './schema.js';

export interface ShippedModbusMap {
  model: { ja: string; en: string };
  /** How the device leaves the factory; every device on one bus must be set to the same speed and framing. */
  factory: { baudRate: number; parity: 'none' | 'even' | 'odd'; address: number };
  registers: ModbusRegisterConfig[];
}

type Quantity = ModbusRegisterConfig['quantity'];

const register = (
  channel: string,
  quantity: Quantity,
  address: number,
  type: ModbusRegisterConfig['type'],
  scale = 1,
): ModbusRegisterConfig => ({ channel, quantity, address, table: 'input', type, scale, wordOrder: 'high-first' });

/** Eastron meters keep every value as an IEEE 754 float in two input registers, high word first. */
const eastron = (channel: string, quantity: Quantity, address: number) => register(channel, quantity, address, 'float32');

export const MODBUS_MAPS: Readonly<Record<string, ShippedModbusMap>> = {
  // XY-MD02 / SHT20 transmitter: function 04, register 1 temperature (signed, 0.1 °C), register 2 humidity (0.1 %RH).
  'xy-md02': {
    model: { ja: 'XY-MD02 温湿度センサ（SHT20）', en: 'XY-MD02 temperature/humidity sensor (SHT20)' },
    factory: { baudRate: 9600, parity: 'none', address: 1 },
    registers: [register('env1', 'temperature', 0x0001, 'int16', 0.1), register('env1', 'humidity', 0x0002, 'uint16', 0.1)],
  },
  // Eastron SDM120-Modbus, single phase: input registers 30001… of its manual, minus 30001.
  sdm120: {
    model: { ja: 'Eastron SDM120 単相電力量計', en: 'Eastron SDM120 single-phase energy meter' },
    factory: { baudRate: 2400, parity: 'none', address: 1 },
    registers: [
      eastron('l1', 'voltage', 0x0000),
      eastron('l1', 'current', 0x0006),
      eastron('l1', 'power', 0x000c),
      eastron('l1', 'powerFactor', 0x001e),
      eastron('l1', 'frequency', 0x0046),
      eastron('l1', 'energy', 0x0156),
    ],
  },
  // Eastron SDM630-Modbus, three phase: per phase (l1–l3) and for the whole supply (total).
  sdm630: {
    model: { ja: 'Eastron SDM630 三相電力量計', en: 'Eastron SDM630 three-phase energy meter' },
    factory: { baudRate: 9600, parity: 'none', address: 1 },
    registers: [
      ...(['l1', 'l2', 'l3'] as const).flatMap((phase, i) => [
        eastron(phase, 'voltage', 0x0000 + 2 * i),
        eastron(phase, 'current', 0x0006 + 2 * i),
        eastron(phase, 'power', 0x000c + 2 * i),
        eastron(phase, 'powerFactor', 0x001e + 2 * i),
      ]),
      eastron('total', 'current', 0x0030),
      eastron('total', 'power', 0x0034),
      eastron('total', 'powerFactor', 0x003e),
      eastron('total', 'frequency', 0x0046),
      eastron('total', 'energy', 0x0156),
    ],
  },
};

/** The registers a device is read with: its shipped map's, or its own; empty for an unknown map name (the config check says so). */
export function registersOf(device: Pick<ModbusDeviceConfig, 'map' | 'registers'>): ModbusRegisterConfig[] {
  if (device.registers) return device.registers;
  return device.map ? (MODBUS_MAPS[device.map]?.registers ?? []) : [];
}

/** `device/channel` of every channel of every Modbus device: its map declares them, as machines and zones declare a node's. */
export function modbusChannels(config: KitConfig): string[] {
  return config.sources.modbus.flatMap((bus) =>
    bus.devices.flatMap((device) => [...channelsOf(device).keys()].map((c) => `${device.id}/${c}`)),
  );
}

/** Whether a node's channel carries a quantity: only a Modbus device's map can say so; a sensor node's channels carry none of a meter's. */
export function channelCarries(config: KitConfig, node: string, channel: string, quantity: Quantity): boolean {
  const device = config.sources.modbus.flatMap((bus) => bus.devices).find((d) => d.id === node);
  return device ? (channelsOf(device).get(channel)?.has(quantity) ?? false) : false;
}

/** Which quantities each channel of a device carries. */
export function channelsOf(device: Pick<ModbusDeviceConfig, 'map' | 'registers'>): Map<string, Set<Quantity>> {
  const channels = new Map<string, Set<Quantity>>();
  for (const { channel, quantity } of registersOf(device)) {
    const quantities = channels.get(channel) ?? new Set();
    quantities.add(quantity);
    channels.set(channel, quantities);
  }
  return channels;
}
