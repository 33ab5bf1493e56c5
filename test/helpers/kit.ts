/** A whole kit for integration tests: a simulated node on a real socat pty, real influxd, the real gateway in-process. */
import { join } from 'node:path';
import { parseKitConfig } from '../../config/load.js';
import type { KitConfig } from '../../config/schema.js';
import type { SimFrame } from '../../firmware-sim/encoder.js';
import { type LineKind, SimNode, type SimNodeOptions } from '../../firmware-sim/node.js';
import { openPtyPair, type PtyPair } from '../../firmware-sim/ptyPair.js';
import { loadScenario } from '../../firmware-sim/scenario.js';
import { startKit } from '../../gateway/kit.js';
import type { ManagedInfluxd } from '../../gateway/storage/managedInfluxd.js';
import { testLog } from './log.js';
import { influxAccess, influxQuery, requireCommand, startTestInfluxd, tempDir } from './services.js';

export const KIT = 'test';
export const PASSWORDS = { reader: 'reader-password-1', nodeB: 'node-b-password-1', edge: 'edge-password-1' };

/** The test kit's machines: the four CT channels of node-a. */
export const TEST_MACHINES = ['ct1', 'ct2', 'ct3', 'ct4'].map((channel, i) => ({
  id: `m${i + 1}`,
  name: `機械${i + 1}`,
  source: { node: 'node-a', channel },
  thresholds: { idleAbove: 0.5, runAbove: 4 },
  minDwellSeconds: 0,
}));

/** A machine on node-b's ct1: node-b speaks MQTT itself, and the broker takes its readings only for a declared channel. */
export const NODE_B_MACHINE = {
  id: 'm5',
  name: 'プレス',
  source: { node: 'node-b', channel: 'ct1' },
  thresholds: { idleAbove: 0.5, runAbove: 4 },
};

/** The kit file a test kit runs with: node-a on the pty, node-b speaking MQTT itself. */
export function testConfig(dir: string, nodePath: string, influxUrl: string, extra: Record<string, unknown> = {}): KitConfig {
  return parseKitConfig({
    kit: { id: KIT, site: 'テスト工場' },
    dataDir: join(dir, 'var'),
    sources: {
      serial: [{ id: 'node-a', path: nodePath, silentAfterSeconds: 5 }],
      network: [{ id: 'node-b', silentAfterSeconds: 5 }],
    },
    machines: TEST_MACHINES,
    zones: [{ id: 'floor', name: '工場', source: { node: 'node-a', channel: 'env1' } }],
    storage: { influx: influxAccess(influxUrl), flushIntervalMs: 200 },
    broker: {
      host: '127.0.0.1',
      port: 0,
      accounts: [
        { username: 'reader', role: 'reader', password: PASSWORDS.reader },
        { username: 'node-b', role: 'node', node: 'node-b', password: PASSWORDS.nodeB },
        { username: 'edge-x', role: 'edge', password: PASSWORDS.edge },
      ],
    },
    http: { host: '127.0.0.1', port: 0 },
    ...extra,
  });
}

export interface Recorded {
  line: string;
  frame: SimFrame | null;
  kind: LineKind;
  /** Wall-clock ms when the node wrote it. */
  at: number;
}

/** A simulated node on a pty pair; every line it writes is recorded so tests can compare with what was stored. */
export async function startSimulatedNode(dir: string, options: SimNodeOptions = {}, scenarioName = 'normal-day') {
  requireCommand('socat', 'apt-get install socat');
  const links = { nodeLink: join(dir, 'node-a.node'), edgeLink: join(dir, 'node-a.edge') };
  const scenario = await loadScenario(scenarioName);
  const sent: Recorded[] = [];
  let pair: PtyPair = await openPtyPair(links);
  let node: SimNode | undefined;
  const start = (opts: SimNodeOptions = options) => {
    node = new SimNode(pair.nodeLink, scenario, {
      ...opts,
      onLine: (line, frame, kind) => sent.push({ line, frame, kind, at: Date.now() }),
    });
    node.on('error', () => {}); // a pulled cable stops the node; the test looks at what was sent
    node.start();
    return node;
  };
  return {
    links,
    sent,
    get node() {
      return node as SimNode;
    },
    start,
    /** Pulls the cable: the pty pair disappears. */
    async unplug() {
      await node?.stop();
      await pair.close();
    },
    async plugIn() {
      pair = await openPtyPair(links);
    },
    async stop() {
      await node?.stop();
      await pair.close();
    },
  };
}

/** Readings the node sent in good lines, as `seq:channel:value` keys (the same key is built from InfluxDB). */
export function sentReadings(sent: Recorded[]): string[] {
  const keys: string[] = [];
  // A corrupted line still names the frame it was meant to carry; only the intact ones count.
  for (const { frame } of sent.filter((s) => s.kind === s.frame?.type)) {
    if (frame?.type === 'current') for (const [channel, amps] of Object.entries(frame.amps)) keys.push(`${frame.seq}:${channel}:${amps}`);
    if (frame?.type === 'climate') keys.push(`${frame.seq}:${frame.channel}:${frame.temperatureC}/${frame.humidityPct}`);
  }
  return keys.sort();
}

/** The same keys from InfluxDB; the sequence number is recovered from the point's sub-millisecond time. */
export async function storedReadings(influxUrl: string): Promise<string[]> {
  const seqOf = (time: unknown) => Number(BigInt(String(time)) % 1_000_000n) / 15;
  const current = await influxQuery(influxUrl, 'minotake', `SELECT amps, channel FROM "raw"."current" WHERE "node" = 'node-a'`);
  const climate = await influxQuery(
    influxUrl,
    'minotake',
    `SELECT temperature_c, humidity_pct, channel FROM "raw"."climate" WHERE "node" = 'node-a'`,
  );
  return [
    ...current.map((r) => `${seqOf(r.time)}:${r.channel}:${r.amps}`),
    ...climate.map((r) => `${seqOf(r.time)}:${r.channel}:${r.temperature_c}/${r.humidity_pct}`),
  ].sort();
}

export async function startTestKit(name: string, extra: Record<string, unknown> = {}, scenarioName = 'normal-day') {
  const dir = tempDir(name);
  const influxd: { current: ManagedInfluxd } = { current: await startTestInfluxd(join(dir.path, 'influxdb')) };
  const node = await startSimulatedNode(dir.path, {}, scenarioName);
  const config = testConfig(dir.path, node.links.edgeLink, influxd.current.url, extra);
  const kit = await startKit({ config, log: testLog, baseDir: dir.path });
  return {
    dir: dir.path,
    config,
    kit,
    node,
    influxd,
    async stop() {
      await node.stop();
      await kit.stop();
      await influxd.current.stop();
      dir.remove();
    },
  };
}

/** Adds a viewer (the wall tablet's role) to a running kit and logs it in; the session cookie for the HTTP API. */
export async function viewerCookie(kit: { httpPort: number; auth: { addUser(name: string, password: string, role: 'viewer'): unknown } }) {
  kit.auth.addUser('tablet', 'tablet-password-1', 'viewer');
  const login = await fetch(`http://127.0.0.1:${kit.httpPort}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'tablet', password: 'tablet-password-1' }),
  });
  if (login.status !== 200) throw new Error(`the tablet could not log in: HTTP ${login.status}`);
  return (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
}
