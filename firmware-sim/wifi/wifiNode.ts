/** A simulated sensor node on the factory Wi-Fi: the serial node's readings, sent by the Wi-Fi uplink instead of a cable. */
import { Writable } from 'node:stream';
import { SimNode, type SimNodeOptions } from '../node.js';
import type { Scenario } from '../scenario.js';
import { type UplinkOptions, WifiUplink } from './uplink.js';

export type WifiNodeOptions = Omit<UplinkOptions, 'node' | 'firmware' | 'channels'>;

/**
 * The same measuring core as the serial node (its lines are what the ESP32's core makes too); the uplink turns each
 * reading line into an MQTT message, as the ESP32 sketch's Wi-Fi transport does. Faulty serial lines do not exist here:
 * the link is TCP, and what it loses is whole readings.
 */
export function startWifiNode(scenario: Scenario, uplink: WifiNodeOptions, node: SimNodeOptions = {}) {
  const wifi = new WifiUplink({
    ...uplink,
    node: scenario.nodeId,
    firmware: scenario.firmware,
    // Part counts travel on serial nodes only so far (the P line); a Wi-Fi node announces what it sends.
    channels: scenario.channels.flatMap((c) => (c.kind === 'count' ? [] : [{ id: c.id, kind: c.kind }])),
  });
  const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
  const sim = new SimNode(nowhere, scenario, {
    ...node,
    faults: { badChecksumRate: 0, garbageRate: 0, truncatedRate: 0, overlongRate: 0 },
    onLine: (line, frame, kind) => {
      node.onLine?.(line, frame, kind);
      if (!frame || kind !== frame.type) return;
      if (frame.type === 'current') wifi.add({ kind: 'current', amps: frame.amps });
      if (frame.type === 'climate') {
        const { channel, temperatureC, humidityPct } = frame;
        wifi.add({ kind: 'climate', channel, temperatureC, humidityPct });
      }
      if (frame.type === 'sensorError') wifi.add({ kind: 'error', channel: frame.channel, code: frame.code });
    },
  });
  wifi.start();
  sim.start();
  return {
    node: sim,
    uplink: wifi,
    /** Powers the node off. */
    async stop(): Promise<void> {
      await sim.stop();
      await wifi.stop();
    },
  };
}

export type WifiNode = ReturnType<typeof startWifiNode>;
