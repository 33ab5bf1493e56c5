/** The Modbus RTU master on one RS-485 port (modbus-serial over serialport), with its failures sorted into reasons the edge counts. */
import type { ModbusBusConfig } from '../../../config/schema.js';

// A CommonJS package whose typings declare an ES default: at run time the module and its `default` are the same class.
// Loaded when a bus opens, so that a kit without Modbus does not carry it (docs/memory.md).
const modbusRtu = async () => (await import('modbus-serial')).default.default;

export type ModbusFailure = 'timeout' | 'crc' | 'bad_frame' | 'port';

/** A request that got no usable answer, or an exception answer (`exceptionCode` set): the device said no. */
export class ModbusReadError extends Error {
  override readonly name = 'ModbusReadError';
  constructor(
    readonly reason: ModbusFailure | 'exception',
    message: string,
    readonly exceptionCode?: number,
  ) {
    super(message);
  }
}

export interface RtuMaster {
  /** One read request; resolves with the register words or rejects with a ModbusReadError. Never call it twice at once. */
  read(unit: number, table: 'input' | 'holding', start: number, count: number, timeoutMs: number): Promise<number[]>;
  readonly isOpen: boolean;
  /** Called once when the port closes under the master (an adapter pulled out). */
  onClose(listener: () => void): void;
  close(): Promise<void>;
}

// modbus-serial reports its failures as plain errors: a timeout by errno, an exception by modbusCode, the rest by message.
function classify(error: unknown): ModbusReadError {
  const e = error as { errno?: string; modbusCode?: number; message?: string };
  const message = e.message ?? String(error);
  if (typeof e.modbusCode === 'number') return new ModbusReadError('exception', message, e.modbusCode);
  if (e.errno === 'ETIMEDOUT') return new ModbusReadError('timeout', 'no answer within the timeout');
  if (/CRC/i.test(message)) return new ModbusReadError('crc', 'answer with a bad CRC');
  if (/length|Unexpected data/i.test(message)) return new ModbusReadError('bad_frame', message);
  return new ModbusReadError('port', message);
}

export async function openRtuMaster(bus: Pick<ModbusBusConfig, 'path' | 'baudRate' | 'parity' | 'stopBits'>): Promise<RtuMaster> {
  const client = new (await modbusRtu())();
  // The library frames answers by their expected length rather than by 3.5 characters of silence, which is what a master
  // behind a USB adapter must do: the adapter's latency timer hides the gaps.
  await client.connectRTUBuffered(bus.path, { baudRate: bus.baudRate, parity: bus.parity, stopBits: bus.stopBits, dataBits: 8 });
  // Port errors also surface as failed reads; an 'error' event without a listener would throw.
  client.on('error', () => {});
  return {
    async read(unit, table, start, count, timeoutMs) {
      client.setID(unit);
      client.setTimeout(timeoutMs);
      try {
        const answer = table === 'input' ? await client.readInputRegisters(start, count) : await client.readHoldingRegisters(start, count);
        return answer.data;
      } catch (error) {
        throw classify(error);
      }
    },
    get isOpen() {
      return client.isOpen;
    },
    onClose(listener) {
      client.on('close', listener);
    },
    close: () => new Promise<void>((resolve) => (client.isOpen ? client.close(() => resolve()) : resolve())),
  };
}
