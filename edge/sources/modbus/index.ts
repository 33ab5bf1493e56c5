/** The Modbus RTU source driver: a bus of devices read through register maps. */
export { type BlockResult, type DeviceReadings, decodeRegister, readingsOf } from './decode.js';
export {
  createModbusBus,
  type ModbusBusOptions,
  type ModbusBusSource,
  type ModbusBusStats,
  type ModbusDeviceStats,
  readingEvents,
} from './modbusBus.js';
export { MAX_BLOCK_REGISTERS, MAX_GAP_REGISTERS, planReads, type ReadBlock } from './readPlan.js';
export { ModbusReadError, openRtuMaster, type RtuMaster } from './rtuMaster.js';
export { bitsPerChar, charMs, frameGapMs, readWireMs } from './timing.js';
