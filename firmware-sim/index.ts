/** The simulated sensor node's public surface, for demos, integration tests and benchmarks. */
export { crc16, crc16Hex } from './crc16.js';
export {
  encodeFrame,
  frameBody,
  LINE_END,
  MAX_LINE_LENGTH,
  PROTOCOL_VERSION,
  SEQ_MODULO,
  type SimChannelKind,
  type SimFrame,
} from './encoder.js';
export { type LineKind, type SentCount, type SentLine, SimNode, type SimNodeOptions } from './node.js';
export { openPtyPair, PtyError, type PtyPair, type PtyPairOptions } from './ptyPair.js';
export { type FaultRates, listScenarios, loadScenario, parseScenario, type Scenario, ScenarioError } from './scenario.js';
export { type ChannelOverride, ClimateSignal, MachineChannel, MachineSignal, type MachineState } from './signals.js';
export { KitClock, ReadingRing, startWifiNode, type WifiNode, type WifiNodeOptions, WifiUplink } from './wifi/index.js';
