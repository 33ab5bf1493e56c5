/** The kit's life while it runs: doctor, clock and calibration, as the HTTP routes and the kit wiring use them. */
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { KitConfig, Thresholds } from '../../config/schema.js';
import { decodePayload, parseTopic } from '../../edge/mqtt/topics.js';
import type { ModbusBusStats } from '../../edge/sources/modbus/index.js';
import { saveThresholds, watchThresholds } from './calibration/kitThresholds.js';
import { proposeThresholds, type ThresholdProposal } from './calibration/propose.js';
import { channelHistogram } from './calibration/readingsSource.js';
import { quantityOf, SCALES } from './calibration/scale.js';
import { readSystemClock } from './checks/clock.js';
import { overall, runDoctor } from './checks/doctor.js';
import type { NodeEvidence } from './checks/sensorNodes.js';
import type { CheckResult } from './checks/types.js';
import { type ClockStatus, createClockWatch } from './clockWatch.js';
import { setSystemClock } from './systemClock.js';
import { type Text, text } from './text.js';

/** A request the kit cannot carry out, with the HTTP status to answer. */
export class KitLifeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly text: Text,
  ) {
    super(text.en);
  }
}

interface EdgeControl {
  health(): {
    nodes: Record<
      string,
      {
        frames: number;
        rejected: NodeEvidence['rejected'];
        lastFrameAt?: number;
        hello?: NodeEvidence['hello'];
        startError?: string;
        disconnects: number;
        lastDisconnect?: NodeEvidence['lastDisconnect'];
      }
    >;
    modbus: Record<string, ModbusBusStats>;
  };
  setThresholds(machineId: string, thresholds: Thresholds): boolean;
}

export interface KitLifeOptions {
  config: KitConfig;
  /** The kit file, where accepted thresholds are written; without it calibration only proposes. */
  configFile?: string;
  dataDir: string;
  influx: InfluxDB;
  log: Logger;
  startedAt: number;
  /** The in-process edge; absent when the edge runs on its own (it watches the kit file itself). */
  edge?: EdgeControl;
  brokerPort(): number | undefined;
  dashboardUrl(): string | undefined;
  setClock?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The latest reading of a channel: amps from a CT or a meter, and a meter's watts; null for what the channel does not send. */
export interface ChannelLive {
  node: string;
  channel: string;
  amps: number | null;
  watts: number | null;
  at: number;
  machine: string | null;
}

export interface CalibrationView {
  machine: string;
  node: string;
  channel: string;
  from: number;
  to: number;
  resolution: 'raw' | '1m';
  /** What the readings, the histogram and the thresholds are in: amps, or watts for a machine watched by a meter's power. */
  unit: 'A' | 'W';
  edges: number[];
  counts: number[];
  total: number;
  current: Thresholds | null;
  proposal: ThresholdProposal;
}

export function createKitLife(o: KitLifeOptions) {
  const { config, log } = o;
  const now = o.now ?? Date.now;
  const clock = createClockWatch({ dataDir: o.dataDir, log: log.child({ part: 'clock' }) });
  const channels = new Map<string, ChannelLive>();
  const machineOf = new Map(config.machines.flatMap((m) => ('node' in m.source ? [[`${m.source.node}/${m.source.channel}`, m.id]] : [])));
  const stopWatching = o.configFile ? watchThresholds(o.configFile, config, (id, t) => o.edge?.setThresholds(id, t), log) : () => {};

  const machineChannel = (machineId: string) => {
    const machine = config.machines.find((m) => m.id === machineId);
    if (!machine)
      throw new KitLifeError(404, 'NOT_FOUND', text(`設備「${machineId}」は登録されていません`, `unknown machine "${machineId}"`));
    if (!('node' in machine.source))
      throw new KitLifeError(
        400,
        'NOT_A_CT',
        text('デジタル入力の設備にはしきい値はありません', 'a machine on a digital input has no thresholds'),
      );
    return { machine, node: machine.source.node, channel: machine.source.channel, quantity: quantityOf(machine.source) };
  };
  const noteChannel = (node: string, channel: string, at: number, reading: { amps: number } | { watts: number }) => {
    const key = `${node}/${channel}`;
    const known = channels.get(key) ?? { node, channel, amps: null, watts: null, at, machine: machineOf.get(key) ?? null };
    channels.set(key, { ...known, ...reading, at });
  };

  return {
    /** Every routed MQTT message: node currents and meters' power give the live reading per channel, mapped or not. */
    handle(topic: string, payload: Buffer): void {
      const parsed = parseTopic(topic);
      if (parsed?.kit !== config.kit.id || !parsed.id) return;
      if (parsed.kind === 'nodeCurrent') {
        const d = decodePayload('nodeCurrent', payload);
        if (d.ok) for (const [channel, amps] of Object.entries(d.payload.amps)) noteChannel(parsed.id, channel, d.payload.ts, { amps });
      } else if (parsed.kind === 'nodePower') {
        const d = decodePayload('nodePower', payload);
        if (d.ok && d.payload.watts !== undefined) noteChannel(parsed.id, d.payload.channel, d.payload.ts, { watts: d.payload.watts });
      }
    },

    liveChannels: (): ChannelLive[] =>
      [...channels.values()].sort((a, b) => `${a.node}/${a.channel}`.localeCompare(`${b.node}/${b.channel}`)),

    async doctor(): Promise<{ status: 'ok' | 'warn' | 'fail'; checks: CheckResult[] }> {
      const status = clock.status();
      const checks = await runDoctor({
        config,
        dataDir: o.dataDir,
        now: now(),
        async evidence(node) {
          const c = o.edge?.health().nodes[node.id];
          if (!o.edge) return undefined;
          const seconds = Math.round((now() - o.startedAt) / 1000);
          if (!c) return { goodLines: 0, rejected: {}, seconds };
          return {
            goodLines: c.frames,
            rejected: c.rejected,
            seconds,
            ...(c.lastFrameAt !== undefined ? { lastLineAt: c.lastFrameAt } : {}),
            ...(c.hello ? { hello: c.hello } : {}),
            ...(c.startError ? { error: c.startError } : {}),
            disconnects: c.disconnects,
            ...(c.lastDisconnect ? { lastDisconnect: c.lastDisconnect } : {}),
          };
        },
        modbus: async (bus) => o.edge?.health().modbus[bus.id],
        storage: async () => ({ influx: o.influx, where: 'InfluxDB' }),
        brokerPort: o.brokerPort(),
        dashboardUrl: o.dashboardUrl(),
        system: readSystemClock(),
        lastSeenAt: status.wentBack ? status.lastSeenAt : null,
        steps: status.steps,
      });
      return { status: overall(checks), checks };
    },

    clock(): ClockStatus & { synchronized: boolean | null; timeZone: string; systemTimeZone: string | null } {
      const system = readSystemClock();
      return { ...clock.status(), synchronized: system.synchronized, timeZone: config.kit.timeZone, systemTimeZone: system.timeZone };
    },

    async setClock(ms: number, by: string | undefined): Promise<ClockStatus> {
      const before = now();
      await (o.setClock ?? setSystemClock)(ms);
      clock.timeWasSet();
      log.warn({ by, stepMs: ms - before }, 'system time set from a browser');
      return clock.status();
    },

    async calibration(machineId: string, from: number, to: number): Promise<CalibrationView> {
      const { machine, node, channel, quantity } = machineChannel(machineId);
      const scale = SCALES[quantity];
      const { histogram, resolution } = await channelHistogram(
        o.influx,
        config.storage.database,
        { kit: config.kit.id, node, channel },
        from,
        to,
        quantity,
      );
      return {
        machine: machine.id,
        node,
        channel,
        from,
        to,
        resolution,
        unit: scale.unit,
        ...histogram,
        current: machine.thresholds ?? null,
        proposal: proposeThresholds(histogram, machine.thresholds, scale),
      };
    },

    acceptThresholds(machineId: string, thresholds: Thresholds, by: string | undefined): Thresholds {
      const { machine } = machineChannel(machineId);
      if (!o.configFile)
        throw new KitLifeError(
          409,
          'NO_KIT_FILE',
          text('キットが設定ファイルなしで起動されたため保存できません', 'the kit was started without a kit file: nothing to save into'),
        );
      try {
        saveThresholds(o.configFile, machineId, thresholds);
      } catch (error) {
        const first = (error as Error).message.split('\n').slice(1).join(' ').trim() || (error as Error).message;
        throw new KitLifeError(
          400,
          'INVALID_THRESHOLDS',
          text(`しきい値が正しくありません: ${first}`, `the thresholds are not valid: ${first}`),
        );
      }
      machine.thresholds = thresholds;
      o.edge?.setThresholds(machineId, thresholds);
      log.info({ by, machine: machineId, ...thresholds }, 'calibration accepted');
      return thresholds;
    },

    stop(): void {
      stopWatching();
      clock.stop();
    },
  };
}

export type KitLife = ReturnType<typeof createKitLife>;
