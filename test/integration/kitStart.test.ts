import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
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

    await expect(startKit({ config, log: testLog, baseDir: dir.path })).rejects.toThrow(/EADDRINUSE/);
    const pid = Number(readFileSync(join(dir.path, 'var', 'influxdb', 'influxd.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir.path, 'var', 'kit.pid'))).toBe(false);
  });
});
