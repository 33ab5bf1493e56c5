/** The simulated node's Wi-Fi mode: MQTT uplink, ring buffer and the kit's clock. */
export { CLOCK_STEP_BACK_MS, CLOCK_WINDOW, KitClock } from './kitClock.js';
export { type Queued, type Reading, ReadingRing } from './ring.js';
export { type UplinkOptions, type UplinkStats, WifiUplink } from './uplink.js';
export { startWifiNode, type WifiNode, type WifiNodeOptions } from './wifiNode.js';
