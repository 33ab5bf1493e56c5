import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startKit } from '../../gateway/kit.js';
import { freePort } from '../../gateway/storage/managedInfluxd.js';
import { PASSWORDS, sentReadings, startSimulatedNode, storedReadings, testConfig } from '../helpers/kit.js';
import { testLog } from '../helpers/log.js';
import { startTestInfluxd, stopProcess, tempDir, waitFor } from '../helpers/services.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the edge on its own device (a Pi Zero next to the machines)', () => {
  it('publishes to the gateway with its edge account, and every reading is stored', async () => {
    const dir = tempDir('separate-edge');
    cleanups.push(() => dir.remove());
    const influxd = await startTestInfluxd(join(dir.path, 'influxdb'));
    cleanups.push(() => influxd.stop());
    const node = await startSimulatedNode(dir.path);
    cleanups.push(() => node.stop());
    const brokerPort = await freePort();
    const config = testConfig(dir.path, node.links.edgeLink, influxd.url, {
      edge: { brokerUrl: `mqtt://127.0.0.1:${brokerPort}`, username: 'edge-x', password: PASSWORDS.edge },
    });
    config.broker.port = brokerPort;

    // The gateway runs no edge of its own when the kit file has an `edge` section.
    const kit = await startKit({ config, log: testLog, baseDir: dir.path });
    cleanups.push(() => kit.stop());
    expect(kit.health().edge).toBeNull();

    const file = join(dir.path, 'kit.yaml');
    writeFileSync(file, stringify(config));
    const cli = join(import.meta.dirname, '../../dist/gateway/cli.js');
    const edge: ChildProcess = spawn(process.execPath, [cli, 'edge', '--config', file], {
      stdio: 'ignore',
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    cleanups.push(() => stopProcess(edge));

    await waitFor('the edge connected', () => kit.live.snapshot().kitOnline, 20_000);
    node.start({ linesPerSecond: 40, maxLines: 120 });
    await node.node.finished;
    const expected = sentReadings(node.sent);
    const stored = await waitFor('every reading stored', async () => {
      const rows = await storedReadings(influxd.url);
      return rows.length >= expected.length ? rows : undefined;
    });
    expect(stored).toEqual(expected);
    expect(kit.live.snapshot().machines.every((m) => m.state !== 'UNKNOWN')).toBe(true);
  });
});
