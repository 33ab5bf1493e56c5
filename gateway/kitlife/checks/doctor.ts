/** Runs every doctor check in a fixed order, for the CLI and for GET api/doctor alike. */
import type { InfluxDB } from 'influx';
import type { KitConfig, ModbusBusConfig, SerialNodeConfig } from '../../../config/schema.js';
import { configWarnings } from '../../../config/warnings.js';
import type { ModbusBusStats } from '../../../edge/sources/modbus/index.js';
import { text } from '../text.js';
import { type ClockFacts, clockCheck, type SystemClock, timeZoneCheck } from './clock.js';
import { modbusChecks } from './modbus.js';
import { gpioCheck, type NodeEvidence, sensorNodeCheck, serialPortCheck } from './sensorNodes.js';
import { brokerCheck, dashboardCheck, influxCheck, influxFailure, newestPointAt } from './services.js';
import { blockDeviceOf, diskCheck, wearCheck } from './storageDevice.js';
import { type CheckResult, type CheckStatus, check } from './types.js';

export interface DoctorSources {
  config: KitConfig;
  dataDir: string;
  now: number;
  /** What a node said: the running kit's counters, or a moment's listening; undefined when it cannot be known now. */
  evidence(node: SerialNodeConfig): Promise<NodeEvidence | undefined>;
  /** How a Modbus bus's devices answered: the running kit's counters, or one round of polls; undefined when it cannot be known now. */
  modbus(bus: ModbusBusConfig): Promise<ModbusBusStats | undefined>;
  /** The kit's InfluxDB, and how to name it; throws when it cannot be had. */
  storage(): Promise<{ influx: InfluxDB; where: string }>;
  /** Undefined while the kit is not running. */
  brokerPort?: number;
  dashboardUrl?: string;
  system: SystemClock;
  lastSeenAt: number | null;
  steps?: ClockFacts['steps'];
  sysRoot?: string;
  gpioRoot?: string;
}

export async function runDoctor(s: DoctorSources): Promise<CheckResult[]> {
  const { config } = s;
  // A valid file can still hold a risk (docs/config.md): named here as on `check-config`, a warning and not a failure.
  const warnings = configWarnings(config);
  const results: CheckResult[] = [
    check(
      'config',
      warnings.length === 0 ? 'ok' : 'warn',
      text('設定ファイル', 'Kit file'),
      text(
        [`${config.kit.id}（${config.kit.site}）: 誤りなし`, ...warnings.map((w) => `${w.path}: ${w.ja}`)].join('。'),
        [`${config.kit.id} (${config.kit.site}): valid`, ...warnings.map((w) => `${w.path}: ${w.en}`)].join('; '),
      ),
    ),
  ];
  for (const node of config.sources.serial) {
    const port = serialPortCheck(node);
    if (port) results.push(port);
    if (port?.status === 'fail') continue;
    const evidence = await s.evidence(node);
    const used = [...config.machines, ...config.zones].flatMap((x) =>
      'node' in x.source && x.source.node === node.id ? [x.source.channel] : [],
    );
    if (evidence) results.push(sensorNodeCheck(node, evidence, used, s.now));
  }
  for (const bus of config.sources.modbus) results.push(...modbusChecks(bus, await s.modbus(bus), s.now));
  const gpio = gpioCheck(config.sources.gpio, s.gpioRoot);
  if (gpio) results.push(gpio);

  let newest: number | null = null;
  let storage: CheckResult;
  try {
    const { influx, where } = await s.storage();
    storage = await influxCheck(influx, config.storage.database, where);
    newest = await newestPointAt(influx, config.storage.database, config.kit.id).catch(() => null);
  } catch (error) {
    storage = influxFailure(error as Error);
  }
  results.push(
    clockCheck({
      now: s.now,
      system: s.system,
      newestPointAt: newest,
      lastSeenAt: s.lastSeenAt,
      steps: s.steps,
      kitTimeZone: config.kit.timeZone,
    }),
    timeZoneCheck(s.system, config.kit.timeZone),
    diskCheck(s.dataDir),
    wearCheck(blockDeviceOf(s.dataDir, s.sysRoot)),
    storage,
    await brokerCheck(s.brokerPort, config.broker.host),
    await dashboardCheck(s.dashboardUrl),
  );
  return results;
}

const RANK: Record<CheckStatus, number> = { ok: 0, info: 0, warn: 1, fail: 2 };
export function overall(results: CheckResult[]): 'ok' | 'warn' | 'fail' {
  const worst = Math.max(0, ...results.map((r) => RANK[r.status]));
  return worst === 2 ? 'fail' : worst === 1 ? 'warn' : 'ok';
}
