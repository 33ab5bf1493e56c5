/** One RS-485 bus of Modbus devices: each polled on its schedule, one request at a time, a dead device never starving the rest. */
import { registersOf } from '../../../config/modbusMaps.js';
import type { ModbusBusConfig, ModbusDeviceConfig } from '../../../config/schema.js';
import { Backoff } from '../backoff.js';
import type { Source, SourceContext, SourceEvent } from '../types.js';
import { type BlockResult, type DeviceReadings, readingsOf } from './decode.js';
import { planReads, type ReadBlock } from './readPlan.js';
import { type ModbusFailure, type ModbusReadError, openRtuMaster, type RtuMaster } from './rtuMaster.js';
import { frameGapMs } from './timing.js';

/** A device that does not answer is tried less and less often, down to once a minute, so its timeouts leave the bus to the others. */
const MAX_SILENT_DEVICE_INTERVAL_MS = 60_000;
/** Exception 5 (acknowledge: busy with a long job) and 6 (device busy) mean "ask again", not "no". */
const RETRY_EXCEPTIONS = new Set([5, 6]);

export interface ModbusDeviceStats {
  address: number;
  polls: number;
  /** Polls in which the device answered at least one request. */
  answered: number;
  requests: number;
  retries: number;
  /** Requests without a usable answer, by reason. */
  failures: Partial<Record<ModbusFailure, number>>;
  /** Exception answers, by exception code (2 = illegal data address: a wrong map; 4 = device failure). */
  exceptions: Record<string, number>;
  /** Values outside what their quantity can be, dropped. */
  badValues: number;
  lastAnswerAt: number | null;
  /** How long the last poll held the bus. */
  lastPollMs: number | null;
  /** Its pollSeconds, or longer while it does not answer. */
  pollEveryMs: number;
}

export interface ModbusBusStats {
  path: string;
  open: boolean;
  openError: string | null;
  /** Times the port was closed and opened afresh because no device had answered for a long while. */
  reopens: number;
  devices: Record<string, ModbusDeviceStats>;
}

export interface ModbusBusSource extends Source {
  stats(): ModbusBusStats;
}

export interface ModbusBusOptions {
  /** Delays between attempts to open the port; tests shorten them. */
  portBackoff?: Backoff;
}

interface DeviceRun {
  config: ModbusDeviceConfig;
  blocks: ReadBlock[];
  stats: ModbusDeviceStats;
  /** Monotonic ms when it is next due. */
  dueAt: number;
  /** After a timeout, a late answer may still be on its way: the device's next request waits until then. */
  quietUntil: number;
  backoff: Backoff;
  seq: number;
  answering: boolean;
}

const clock = () => performance.now();

/** What one poll's readings tell the edge, as the events of any source (the demo's history makes the same from its past polls). */
export function readingEvents(sourceId: string, ts: number, seq: number, readings: DeviceReadings): SourceEvent[] {
  const events: SourceEvent[] = [];
  if (Object.keys(readings.amps).length > 0)
    events.push({ kind: 'frame', sourceId, ts, frame: { type: 'current', seq, amps: readings.amps } });
  for (const climate of readings.climate) events.push({ kind: 'frame', sourceId, ts, frame: { type: 'climate', seq, ...climate } });
  for (const reading of readings.power) events.push({ kind: 'power', sourceId, ts, seq, reading });
  for (const { channel, total, modulo } of readings.counts) events.push({ kind: 'count', sourceId, ts, channel, total, modulo });
  for (const { channel, code } of readings.errors)
    events.push({ kind: 'frame', sourceId, ts, frame: { type: 'sensorError', seq, channel, code } });
  return events;
}

export function createModbusBus(cfg: ModbusBusConfig, ctx: SourceContext, options: ModbusBusOptions = {}): ModbusBusSource {
  const portBackoff = options.portBackoff ?? new Backoff();
  const gapMs = frameGapMs(cfg);
  const devices: DeviceRun[] = cfg.devices.map((config) => {
    const pollMs = config.pollSeconds * 1000;
    return {
      config,
      blocks: planReads(registersOf(config)),
      stats: {
        address: config.address,
        polls: 0,
        answered: 0,
        requests: 0,
        retries: 0,
        failures: {},
        exceptions: {},
        badValues: 0,
        lastAnswerAt: null,
        lastPollMs: null,
        pollEveryMs: pollMs,
      },
      dueAt: 0,
      quietUntil: 0,
      backoff: new Backoff(pollMs, Math.max(pollMs, MAX_SILENT_DEVICE_INTERVAL_MS)),
      seq: 0,
      answering: true,
    };
  });
  let master: RtuMaster | undefined;
  let openError: string | null = null;
  let reopens = 0;
  /** Monotonic ms of the last frame any device sent (or of the port's opening). */
  let lastHeardAt = 0;
  // A USB adapter can hang with its port still open; silence from every device this long and the port is opened afresh.
  const reopenAfterMs = Math.max(...cfg.devices.map((d) => d.silentAfterSeconds * 1000));
  let stopped = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  /** When the next request may go out: t3.5 of silence after the last frame. */
  let busFreeAt = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      wake = done;
    });

  const allOffline = (detail: string) => {
    for (const device of devices) ctx.emit({ kind: 'online', sourceId: device.config.id, ts: ctx.now(), online: false, detail });
  };

  /** Opens the port; false when it is not there (yet). */
  const open = async (): Promise<boolean> => {
    try {
      const opened = await openRtuMaster(cfg);
      if (stopped) {
        await opened.close();
        return false;
      }
      master = opened;
    } catch (error) {
      const message = (error as Error).message;
      // Log each distinct failure once: a pulled adapter would otherwise log every few seconds for hours.
      if (message !== openError) ctx.log.warn({ bus: cfg.id, path: cfg.path, err: message }, 'Modbus port not available, retrying');
      openError = message;
      allOffline(message);
      return false;
    }
    const opened = master;
    openError = null;
    portBackoff.reset();
    ctx.log.info({ bus: cfg.id, path: cfg.path, baudRate: cfg.baudRate, devices: devices.length }, 'Modbus port open');
    opened.onClose(() => {
      if (master !== opened) return;
      master = undefined;
      if (!stopped) ctx.log.warn({ bus: cfg.id, path: cfg.path }, 'Modbus port closed, reopening');
      allOffline('port closed');
      wake?.();
    });
    const now = clock();
    lastHeardAt = now;
    for (const device of devices) device.dueAt = now;
    return true;
  };

  /**
   * One request with its retries: the block's words or the device's exception; 'silent' when nothing came back, 'garbled'
   * when only broken frames did (the device is there, the line is noisy), 'port' when the port failed.
   */
  const transact = async (device: DeviceRun, block: ReadBlock): Promise<BlockResult | 'port' | 'silent' | 'garbled'> => {
    const { address, timeoutMs } = device.config;
    // Retries are for noise on a device that answers; one that has gone quiet is only probed, so it costs the bus one timeout.
    const retries = device.answering ? device.config.retries : 0;
    let exception: number | undefined;
    let timedOut = false;
    let garbled = false;
    let firstSentAt = 0;
    let lastSentAt = 0;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const wait = Math.max(busFreeAt, device.quietUntil) - clock();
      if (wait > 0) await sleep(wait);
      if (stopped || !master) return 'port';
      if (attempt > 0) device.stats.retries++;
      device.stats.requests++;
      lastSentAt = clock();
      if (attempt === 0) firstSentAt = lastSentAt;
      try {
        const words = await master.read(address, block.table, block.start, block.count, timeoutMs);
        busFreeAt = clock() + gapMs;
        // After a timeout the answer may have been the late one to an earlier try (the same request, so the same data); the
        // answer to the last try is then still to come, as late. Nobody talks until it has passed: it would collide with any
        // request, and one to this device could take it for its own answer.
        if (timedOut) busFreeAt = Math.max(busFreeAt, lastSentAt + (clock() - firstSentAt) + timeoutMs);
        return { block, words };
      } catch (error) {
        busFreeAt = clock() + gapMs;
        const failure = error as ModbusReadError;
        if (failure.reason === 'exception') {
          exception = failure.exceptionCode ?? 0;
          device.stats.exceptions[exception] = (device.stats.exceptions[exception] ?? 0) + 1;
          if (RETRY_EXCEPTIONS.has(exception)) continue;
          return { block, exception };
        }
        device.stats.failures[failure.reason] = (device.stats.failures[failure.reason] ?? 0) + 1;
        if (failure.reason === 'port') {
          ctx.log.warn({ bus: cfg.id, err: failure.message }, 'Modbus port failed, reopening');
          const failed = master;
          master = undefined;
          allOffline(failure.message);
          await failed?.close().catch(() => {});
          return 'port';
        }
        if (failure.reason === 'timeout') timedOut = true;
        else garbled = true;
      }
    }
    // A device that may only be slow keeps its next request back a while; the others need not wait for one that may be dead.
    if (timedOut) device.quietUntil = clock() + timeoutMs;
    if (exception !== undefined) return { block, exception };
    return garbled ? 'garbled' : 'silent';
  };

  const emitReadings = (device: DeviceRun, results: BlockResult[]) => {
    const sourceId = device.config.id;
    const ts = ctx.now();
    const seq = device.seq;
    device.seq = (device.seq + 1) % 65536;
    const readings = readingsOf(results);
    for (const event of readingEvents(sourceId, ts, seq, readings)) ctx.emit(event);
    if (readings.badValues.length > 0) {
      device.stats.badValues += readings.badValues.length;
      ctx.log.warn({ device: sourceId, values: readings.badValues.slice(0, 4) }, 'Modbus values out of range dropped');
    }
  };

  const poll = async (device: DeviceRun) => {
    const startedAt = clock();
    const results: BlockResult[] = [];
    device.stats.polls++;
    let heard = false;
    for (const block of device.blocks) {
      const result = await transact(device, block);
      if (result === 'port') return;
      heard ||= result !== 'silent';
      if (result !== 'silent') lastHeardAt = clock();
      // A device that did not answer one block is most likely gone, or the line too noisy: its other blocks would only cost more.
      if (result === 'silent' || result === 'garbled') break;
      results.push(result);
    }
    device.stats.lastPollMs = Math.round(clock() - startedAt);
    const pollMs = device.config.pollSeconds * 1000;
    if (!heard) {
      if (device.answering) {
        ctx.log.warn({ device: device.config.id, address: device.config.address, bus: cfg.id }, 'Modbus device does not answer');
      }
      device.answering = false;
      device.stats.pollEveryMs = device.backoff.next();
      device.dueAt = clock() + device.stats.pollEveryMs;
      return;
    }
    if (!device.answering) ctx.log.info({ device: device.config.id, bus: cfg.id }, 'Modbus device answers again');
    device.answering = true;
    device.backoff.reset();
    device.stats.pollEveryMs = pollMs;
    // Keep the cadence (no drift), but a bus that fell behind catches up by skipping polls, not by a burst.
    device.dueAt = Math.max(device.dueAt + pollMs, clock());
    if (results.length === 0) return;
    device.stats.answered++;
    device.stats.lastAnswerAt = ctx.now();
    emitReadings(device, results);
  };

  const run = async () => {
    while (!stopped) {
      if (!master) {
        // stop() may have come while the port was being tried: its wake-up found no sleep to end.
        if (!(await open()) && !stopped) await sleep(portBackoff.next());
        continue;
      }
      if (clock() - lastHeardAt > reopenAfterMs) {
        ctx.log.warn(
          { bus: cfg.id, path: cfg.path, silentForMs: Math.round(clock() - lastHeardAt) },
          'no Modbus device answers, reopening the port',
        );
        reopens++;
        const silent = master;
        master = undefined;
        await silent.close();
        continue;
      }
      // The device most overdue goes first, so every device gets its turn however slow the others are.
      const next = devices.reduce((a, b) => (b.dueAt < a.dueAt ? b : a));
      const wait = next.dueAt - clock();
      if (wait > 0) await sleep(wait);
      else await poll(next);
    }
  };

  return {
    id: cfg.id,
    async start() {
      stopped = false;
      await open();
      loop = run().catch((error) => ctx.log.error({ bus: cfg.id, err: (error as Error).message }, 'Modbus poll loop failed'));
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      const closing = master;
      master = undefined;
      await closing?.close();
      allOffline('stopped');
    },
    stats: () => ({
      path: cfg.path,
      open: master?.isOpen ?? false,
      openError,
      reopens,
      devices: Object.fromEntries(devices.map((d) => [d.config.id, { ...d.stats }])),
    }),
  };
}
