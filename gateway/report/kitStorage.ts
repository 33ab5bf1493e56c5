/**
 * The kit's InfluxDB for a command run beside the kit (`minotake report`): the configured external one; the running
 * kit's private influxd (found through the config it was started with); or, with the kit stopped, a private influxd
 * started on its data folder for the command's duration.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { KitConfig } from '../../config/schema.js';
import { DataDirInUseError, lockDataDir } from '../dataLock.js';
import { connectInflux } from '../storage/influxSink.js';
import { startInfluxd } from '../storage/managedInfluxd.js';

export interface KitStorage {
  influx: InfluxDB;
  /** Stops what was started for the command (nothing when the kit's own influxd was used). */
  close(): Promise<void>;
}

/** The HTTP address the running kit's private influxd listens on, from the config file it was started with. */
function runningInfluxdUrl(dir: string): string | undefined {
  const file = join(dir, 'influxd.conf');
  if (!existsSync(file)) return undefined;
  const http = readFileSync(file, 'utf8').split(/^\[http\]$/m)[1];
  const address = http && /bind-address\s*=\s*"([^"]+)"/.exec(http)?.[1];
  return address ? `http://${address}` : undefined;
}

export async function openKitStorage(config: KitConfig, baseDir: string, log: Logger): Promise<KitStorage> {
  const database = config.storage.database;
  if (config.storage.influx) return { influx: connectInflux({ ...config.storage.influx, database }), close: async () => {} };
  const dataDir = resolve(baseDir, config.dataDir);
  const influxDir = join(dataDir, 'influxdb');
  let unlock: () => void;
  try {
    unlock = lockDataDir(dataDir);
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    // The kit is running: read from its influxd rather than start a second one on the same files.
    const url = runningInfluxdUrl(influxDir);
    if (!url) throw error;
    return { influx: connectInflux({ url, database }), close: async () => {} };
  }
  if (!existsSync(join(influxDir, 'meta'))) {
    unlock();
    throw new Error(
      `no data in ${dataDir}: has this kit run here? / ${dataDir} にデータがありません（このキットはここで動いていましたか？）`,
    );
  }
  try {
    const influxd = await startInfluxd({ dir: influxDir, log });
    return {
      influx: connectInflux({ url: influxd.url, database }),
      async close() {
        await influxd.stop();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
