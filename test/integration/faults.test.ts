import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { topics } from '../../edge/mqtt/topics.js';
import { call, signIn } from '../helpers/http.js';
import { KIT, PASSWORDS, sentReadings, startSimulatedNode, startTestKit, storedReadings, testConfig } from '../helpers/kit.js';
import { startTestInfluxd, stopProcess, tempDir, waitFor } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Waits until InfluxDB stops gaining readings for `quietMs`, then returns them. */
async function settledReadings(url: string, quietMs = 2500): Promise<string[]> {
  let last = -1;
  let rows: string[] = [];
  for (;;) {
    rows = await storedReadings(url);
    if (rows.length === last) return rows;
    last = rows.length;
    await sleep(quietMs);
  }
}

function linesLostBetween(expected: string[], stored: string[]): number {
  const have = new Set(stored);
  return new Set(expected.filter((key) => !have.has(key)).map((key) => key.split(':')[0])).size;
}

describe('faults: nothing lost when a part goes away', () => {
  it('loses and doubles nothing while influxd is stopped mid-stream and restarted', async () => {
    const t = await startTestKit('influx-outage');
    cleanups.push(() => t.stop());
    t.node.start({ linesPerSecond: 40, maxLines: 400 });
    await sleep(2500);
    const port = Number(new URL(t.influxd.current.url).port);
    await t.influxd.current.stop();
    await waitFor('the point buffer to start spooling', () => t.kit.health().storage.state === 'spooling');
    await sleep(3000);
    t.influxd.current = await startTestInfluxd(join(t.dir, 'influxdb'), port);
    await t.node.node.finished;

    const expected = sentReadings(t.node.sent);
    const stored = await waitFor('every reading stored after the outage', async () => {
      const rows = await storedReadings(t.influxd.current.url);
      return rows.length >= expected.length ? rows : undefined;
    });
    expect(stored).toEqual(expected); // none lost, none doubled, values intact
    const storage = t.kit.health().storage;
    expect(storage.spooled).toBeGreaterThan(0);
    expect(storage.replayed).toBe(storage.spooled);
    await waitFor('the buffer back to direct writes', () => t.kit.health().storage.state === 'direct');
  });

  it('recovers the spool after the gateway is killed with SIGKILL during an InfluxDB outage; loss stays within the fsync bound', async () => {
    const dir = tempDir('sigkill');
    cleanups.push(() => dir.remove());
    let influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    cleanups.push(() => influxd.stop());
    const node = await startSimulatedNode(dir.path);
    cleanups.push(() => node.stop());
    const config = testConfig(dir.path, node.links.edgeLink, influxd.url);
    const file = join(dir.path, 'kit.yaml');
    writeFileSync(file, stringify(config));

    const cli = join(import.meta.dirname, '../../dist/gateway/cli.js');
    const startGateway = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [cli, 'run', '--config', file, '--no-sim'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'warn' },
      });
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      await waitFor('the gateway to start', () => {
        if (child.exitCode !== null) throw new Error(`gateway exited: ${stderr}`);
        return stderr.includes('MQTT:');
      });
      return child;
    };
    let gateway = await startGateway();
    cleanups.push(() => stopProcess(gateway));

    const rate = 50;
    node.start({ linesPerSecond: rate, maxLines: 650 });
    await sleep(2000);
    const port = Number(new URL(influxd.url).port);
    await influxd.stop(); // points now go to the spool
    const outageAt = Date.now();
    await sleep(5000);
    const killed = new Promise((r) => gateway.once('exit', r));
    const killedAt = Date.now();
    gateway.kill('SIGKILL');
    await killed;
    await sleep(500);
    gateway = await startGateway(); // recovers the spool the killed process left
    const backAt = Date.now();
    await sleep(2000);
    influxd = await startTestInfluxd(join(dir.path, 'influxdb'), port);
    await node.node.finished;

    const expected = sentReadings(node.sent);
    const stored = await settledReadings(influxd.url);
    expect(new Set(stored).size).toBe(stored.length); // nothing doubled
    for (const key of stored) expect(expected).toContain(key); // nothing invented
    // Lines written while no gateway was running had no reader, as on a real serial line: they are the
    // cable's loss, not the spool's. What the gateway had taken in may be lost only from memory:
    // at most flushIntervalMs + fsyncIntervalMs of lines.
    const accepted = sentReadings(node.sent.filter((s) => s.at < killedAt));
    const lost = linesLostBetween(accepted, stored);
    const unread = linesLostBetween(sentReadings(node.sent.filter((s) => s.at >= killedAt && s.at <= backAt)), stored);
    const bound = Math.ceil((rate * (config.storage.flushIntervalMs + config.storage.spool.fsyncIntervalMs)) / 1000);
    console.log(
      `SIGKILL during an outage: ${node.sent.length} lines sent; ${lost} taken in and lost (bound ${bound}); ${unread} unread while down`,
    );
    expect(lost).toBeLessThanOrEqual(bound);
    // With more lines taken in during the outage than the bound, the check above proves the spool came back.
    // (Not a share of everything sent: how long the restarted gateway takes to read again depends on the machine's load.)
    const spooled = node.sent.filter((s) => s.at >= outageAt && s.at < killedAt);
    expect(spooled.length).toBeGreaterThan(bound);
  });

  it('marks the node offline when the cable is pulled and online again when it is plugged back in', async () => {
    const t = await startTestKit('cable');
    cleanups.push(() => t.stop());
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.kit.brokerPort}`, { username: 'reader', password: PASSWORDS.reader });
    cleanups.push(() => watcher.endAsync());
    const statuses: { online: boolean; reason?: string }[] = [];
    watcher.on('message', (_topic, payload) => statuses.push(JSON.parse(payload.toString())));
    await watcher.subscribeAsync(topics.nodeStatus(KIT, 'node-a'), { qos: 1 });

    t.node.start({ linesPerSecond: 20 });
    await waitFor('node online', () => statuses.at(-1)?.online === true);
    await t.node.unplug();
    await waitFor('node offline after the pty vanished', () => statuses.at(-1)?.online === false);
    expect(statuses.at(-1)?.reason).toBeTruthy();
    const sentBefore = t.node.sent.length;

    await t.node.plugIn();
    t.node.start({ linesPerSecond: 20, maxLines: 300 });
    await waitFor('node online again after reconnecting', () => statuses.at(-1)?.online === true, 30_000);
    // The edge counts the drop-out and keeps why, and the doctor shows it beside the node's lines.
    const reason = statuses.findLast((s) => !s.online)?.reason;
    expect(t.kit.health().edge?.nodes['node-a']).toMatchObject({ disconnects: 1, lastDisconnect: { reason } });
    t.kit.auth.addUser('center', 'center-password-1', 'admin');
    const admin = await signIn(`http://127.0.0.1:${t.kit.httpPort}/`, 'center', 'center-password-1');
    const doctor = (await call(admin, 'GET', 'api/doctor')).body as { checks: { id: string; detail: { ja: string; en: string } }[] };
    const nodeCheck = doctor.checks.find((c) => c.id === 'node:node-a');
    expect(nodeCheck?.detail.en).toContain('disconnected 1 time (last');
    expect(nodeCheck?.detail.en).toContain(`ago: ${reason})`);
    expect(nodeCheck?.detail.ja).toContain('切断 1 回');
    // Lines written before the edge reopened the port had no reader, as on a real cable; compare from here on.
    const reconnectedAt = t.node.sent.length;
    expect(reconnectedAt).toBeGreaterThan(sentBefore);
    await t.node.node.finished;
    const expected = sentReadings(t.node.sent.slice(reconnectedAt));
    expect(expected.length).toBeGreaterThan(100);
    await waitFor('readings after the reconnect stored', async () => {
      const stored = new Set(await storedReadings(t.influxd.current.url));
      return expected.every((key) => stored.has(key));
    });
  });

  it('rejects and counts a burst of garbage, overlong, truncated and corrupt lines, and keeps every good line', async () => {
    const t = await startTestKit('garbage');
    cleanups.push(() => t.stop());
    const node = t.node.start({ linesPerSecond: 20, maxLines: 400 });
    await sleep(500);
    for (let i = 0; i < 30; i++) {
      node.injectGarbage(64);
      node.injectOverlong(400 + i * 100);
      node.injectTruncated();
      node.injectBadChecksum();
    }
    node.injectGarbage(2 * 1024 * 1024); // 2 MB without a line end: must be dropped, not buffered
    await node.finished;

    const expected = sentReadings(t.node.sent);
    const stored = await settledReadings(t.influxd.current.url);
    expect(stored).toEqual(expected);
    const counters = t.kit.health().edge?.nodes['node-a'];
    expect(counters?.rejected.too_long).toBe(31);
    expect(counters?.rejected.bad_checksum).toBe(30);
    expect((counters?.rejected.bad_format ?? 0) + (counters?.rejected.bad_version ?? 0)).toBe(60); // truncated + garbage
    const good = new Set(['hello', 'current', 'climate', 'heartbeat', 'sensorError']);
    expect(counters?.frames).toBe(t.node.sent.filter((s) => good.has(s.kind)).length);
  });
});
