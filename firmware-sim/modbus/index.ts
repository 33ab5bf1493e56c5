/** The simulated Modbus RTU bus: slaves with the shipped maps' register tables, its own frames and CRC, faults on demand. */
export { type SimBusStats, type SimFaults, SimModbusBus, type SimModbusBusOptions } from './bus.js';
export { crc16Modbus, crcOk, withCrc } from './crc.js';
export { type SimDevice, SimSdm120, SimSdm630, SimXyMd02 } from './devices.js';
export {
  EXCEPTION,
  encodeException,
  encodeRegisters,
  encodeRequest,
  parseRequest,
  READ_HOLDING,
  READ_INPUT,
  type Request,
} from './frame.js';
