/** Every sensor node of a kit, serial, Modbus or on the network: the ids of the MQTT tree's node/<id>/… topics and when each counts as silent. */
import type { KitConfig } from './schema.js';

export interface SensorNode {
  id: string;
  silentAfterSeconds: number;
}

export function sensorNodes(config: KitConfig): SensorNode[] {
  return [...config.sources.serial, ...config.sources.modbus.flatMap((bus) => bus.devices), ...config.sources.network].map(
    ({ id, silentAfterSeconds }) => ({ id, silentAfterSeconds }),
  );
}
