import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../config/load.js';
import { startKit } from '../../gateway/kit.js';
import { testLog } from '../helpers/log.js';
import { requireCommand, tempDir } from '../helpers/services.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a kit that cannot start', () => {
  it('says why and leaves nothing running: its private influxd is stopped and the data folder unlocked', async () => {
    requireCommand('influxd', 'apt-get install influxdb');
    const dir = tempDir('kit-start');
    cleanups.push(() => dir.remove());
    // Something else already holds the MQTT port.
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => squatter.close(() => r())));
    const port = (squatter.address() as { port: number }).port;
    const config = parseKitConfig({
      kit: { id: 'k1', site: 'start' },
      dataDir: join(dir.path, 'var'),
      broker: { host: '127.0.0.1', port },
      http: { host: '127.0.0.1', port: 0 },
    });

    await expect(startKit({ config, log: testLog, baseDir: dir.path, portWaitMs: 500 })).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      message: expect.stringContaining(`Port ${port} (MQTT broker) is in use by another program`),
    });
    const pid = Number(readFileSync(join(dir.path, 'var', 'influxdb', 'influxd.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir.path, 'var', 'kit.pid'))).toBe(false);
  });
});

describe('a kit whose ports another program holds for a moment', () => {
  it('waits for both ports, then starts on them', async () => {
    requireCommand('influxd', 'apt-get install influxdb');
    const dir = tempDir('kit-ports');
    cleanups.push(() => dir.remove());
    const squatters = await Promise.all(
      [0, 1].map(async () => {
        const squatter = createServer();
        await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
        return { squatter, port: (squatter.address() as { port: number }).port };
      }),
    );
    const [mqttPort, httpPort] = squatters.map((s) => s.port) as [number, number];
    const config = parseKitConfig({
      kit: { id: 'k1', site: 'ports' },
      dataDir: join(dir.path, 'var'),
      broker: { host: '127.0.0.1', port: mqttPort },
      http: { host: '127.0.0.1', port: httpPort },
    });
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
    // Each port is let go a moment after the kit first finds it taken.
    const released = new Set<number>();
    const release = setInterval(() => {
      for (const { squatter, port } of squatters) {
        if (released.has(port) || !warnings.some((w) => w.includes(`port ${port} (`))) continue;
        released.add(port);
        setTimeout(() => squatter.close(), 500);
      }
    }, 50);
    cleanups.push(() => clearInterval(release));
    const kit = await startKit({ config, log, baseDir: dir.path });
    cleanups.push(() => kit.stop());

    expect(kit.brokerPort).toBe(mqttPort);
    expect(kit.httpPort).toBe(httpPort);
    expect(warnings).toContainEqual(expect.stringContaining(`port ${mqttPort} (MQTT broker) is in use by another program`));
    expect(warnings).toContainEqual(expect.stringContaining(`port ${httpPort} (dashboard / HTTP server) is in use by another program`));
    // The kit's own server answers there.
    const health = await fetch(`http://127.0.0.1:${httpPort}/api/health`);
    expect(await health.json()).toMatchObject({ ok: expect.any(Boolean), version: expect.any(String) });
  });
});
