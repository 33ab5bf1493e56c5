/** A simulated node for the ingest benches that notes when it wrote each current line, for line → MQTT / InfluxDB latency. */
import type { Writable } from 'node:stream';
import { SimNode } from '../firmware-sim/node.js';
import type { Scenario } from '../firmware-sim/scenario.js';

export function timedNode(link: Writable | string, scenario: Scenario, linesPerSecond: number, lines: number) {
  /** performance.now() at which the current line with this seq was written. */
  const writtenAt = new Map<number, number>();
  let readings = 0;
  const node = new SimNode(link, scenario, {
    linesPerSecond,
    maxLines: lines,
    onLine: (_line, frame, kind) => {
      if (kind !== frame?.type) return;
      if (frame.type === 'current') {
        readings += Object.keys(frame.amps).length;
        writtenAt.set(frame.seq, performance.now());
      } else if (frame.type === 'climate') readings++;
    },
  });
  return { node, writtenAt, readings: () => readings };
}

/** The 8-CT kit's sources, machines and zone for a node on `edgeLink`: the benches that feed `timedNode` measure this kit. */
export function eightCtParts(edgeLink: string) {
  return {
    sources: { serial: [{ id: 'node-a', path: edgeLink }] },
    machines: Array.from({ length: 8 }, (_, i) => ({
      id: `m${i + 1}`,
      name: `m${i + 1}`,
      source: { node: 'node-a', channel: `ct${i + 1}` },
      thresholds: { idleAbove: 0.5, runAbove: 4 },
    })),
    zones: [{ id: 'z1', name: 'z1', source: { node: 'node-a', channel: 'env1' } }],
  };
}
