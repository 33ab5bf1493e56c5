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
import { connectInflux, type InfluxAccess } from '../storage/influxSink.js';
import { startInfluxd } from '../storage/managedInfluxd.js';

export interface KitStorage {
  influx: InfluxDB;
  /** Stops what was started for the command (nothing when the kit's own influxd was used). */
  close(): Promise<void>;
}

/**
 * How to reach the running kit's private influxd: the HTTP address from the config file it was started with, and the
 * account the kit keeps beside its data (credentials.json, owner-only: the command must run as the kit's user).
 */
function runningInfluxd(dir: string): InfluxAccess | undefined {
  const config = join(dir, 'influxd.conf');
  const credentials = join(dir, 'credentials.json');
  if (!existsSync(config) || !existsSync(credentials)) return undefined;
  const http = readFileSync(config, 'utf8').split(/^\[http\]$/m)[1];
  const address = http && /bind-address\s*=\s*"([^"]+)"/.exec(http)?.[1];
  const account = JSON.parse(readFileSync(credentials, 'utf8')) as { username?: string; password?: string };
  return address && account.username
    ? { url: `http://${address}`, username: account.username, password: account.password ?? '' }
    : undefined;
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
    const access = runningInfluxd(influxDir);
    if (!access) throw error;
    return { influx: connectInflux({ ...access, database }), close: async () => {} };
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
      influx: connectInflux({ ...influxd.access, database }),
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
