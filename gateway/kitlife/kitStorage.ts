/** The kit's InfluxDB for the life commands: the running kit's influxd, the configured server, or the private one started for the command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { KitConfig } from '../../config/schema.js';
import { lockDataDir } from '../dataLock.js';
import { connectInflux } from '../storage/influxSink.js';
import { startInfluxd } from '../storage/managedInfluxd.js';
import { runningKitPid } from './dataFolder.js';

export interface KitStorage {
  influx: InfluxDB;
  url: string;
  database: string;
  /** host:port of influxd's RPC service, for `influxd backup`; unknown for an external server. */
  rpcAddress?: string;
  /** running: the kit's own influxd; started: one started for this command; external: storage.influx. */
  origin: 'running' | 'started' | 'external';
  close(): Promise<void>;
}

/** The ports a managed influxd was started with, from the config file the kit writes at each start. */
export function managedInfluxdAddresses(influxDir: string): { url: string; rpcAddress: string } | undefined {
  let conf: string;
  try {
    conf = readFileSync(join(influxDir, 'influxd.conf'), 'utf8');
  } catch {
    return undefined;
  }
  const rpc = /^bind-address = "([^"]+)"/m.exec(conf)?.[1];
  const http = /\[http\][^[]*?bind-address = "([^"]+)"/.exec(conf)?.[1];
  return rpc && http ? { url: `http://${http}`, rpcAddress: rpc } : undefined;
}

/** The admin account the kit keeps for its influxd (auth is on), owner-only beside the data. */
function influxdAccount(influxDir: string): { username?: string; password?: string } {
  try {
    const { username, password } = JSON.parse(readFileSync(join(influxDir, 'credentials.json'), 'utf8')) as {
      username?: string;
      password?: string;
    };
    return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
  } catch {
    return {};
  }
}

export async function openKitStorage(config: KitConfig, dataDir: string, log: Logger): Promise<KitStorage> {
  const database = config.storage.database;
  const external = config.storage.influx;
  if (external) {
    return { influx: connectInflux({ ...external, database }), url: external.url, database, origin: 'external', close: async () => {} };
  }
  const influxDir = join(dataDir, 'influxdb');
  const running = runningKitPid(dataDir) !== undefined ? managedInfluxdAddresses(influxDir) : undefined;
  if (running) {
    const account = influxdAccount(influxDir);
    return {
      influx: connectInflux({ url: running.url, database, ...account }),
      ...running,
      database,
      origin: 'running',
      close: async () => {},
    };
  }
  // Nobody runs on the folder: hold it while the command's own influxd works on it, so a kit started meanwhile waits.
  const unlock = lockDataDir(dataDir);
  try {
    const influxd = await startInfluxd({ dir: influxDir, log });
    const addresses = managedInfluxdAddresses(influxDir);
    return {
      influx: connectInflux({ ...influxd.access, database }),
      url: influxd.url,
      database,
      ...(addresses ? { rpcAddress: addresses.rpcAddress } : {}),
      origin: 'started',
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
