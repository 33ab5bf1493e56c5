/** A sensor node on a USB-serial port: reads protocol lines, notices a pulled cable at once, reopens the node the moment it is back. */
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPortStream } from '@serialport/stream';
import type { SerialNodeConfig } from '../../../config/schema.js';
import { MAX_LINE_LENGTH } from '../../protocol/frame.js';
import { parseLine } from '../../protocol/parseLine.js';
import { linesLost } from '../../protocol/sequence.js';
import { Backoff } from '../backoff.js';
import type { Source, SourceContext } from '../types.js';
import { serialBinding } from './binding.js';
import { deviceAt } from './deviceAt.js';
import { LineGuard } from './lineGuard.js';

export interface SerialNodeOptions {
  /** Reconnect delays; tests shorten them. */
  backoff?: Backoff;
}

// How often the device path is looked at: a node plugged back in is reopened within this, plus the open itself.
// A stat of one path is a few microseconds, cheap enough even for a Pi Zero with several nodes.
const DEVICE_CHECK_MS = 100;

interface Connection {
  port: SerialPortStream;
  /** What the path led to when the port was opened (deviceAt), to notice a path that now leads elsewhere. */
  device: string | null | undefined;
  /** A port that brought data is known to work: once it goes away, the node is reopened as soon as its path answers. */
  gotData: boolean;
  /** Closes the port on purpose, saying why. */
  drop(reason: string): void;
}

export function createSerialNode(cfg: SerialNodeConfig, ctx: SourceContext, options: SerialNodeOptions = {}): Source {
  const backoff = options.backoff ?? new Backoff();
  let connection: Connection | undefined;
  let opening = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let timers: NodeJS.Timeout[] = [];
  let stopped = false;
  let online = false;
  let lastSeq: number | undefined;
  let lastOpenError = '';
  let lastDataAt = 0;
  let lostAt: number | undefined;
  // Set when the device went away: the next look at the path that finds a device there opens it, without waiting out the backoff.
  let awaitingDevice = false;
  let checkingDevice = false;

  const setOnline = (value: boolean, detail?: string) => {
    if (online === value) return;
    online = value;
    ctx.emit({ kind: 'online', sourceId: cfg.id, ts: ctx.now(), online: value, ...(detail ? { detail } : {}) });
  };

  const retryLater = (why: string) => {
    lastSeq = undefined;
    lostAt ??= ctx.now();
    setOnline(false, why);
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void open();
    }, backoff.next());
  };

  const onLine = (line: string) => {
    const ts = ctx.now();
    lastDataAt = ts;
    const result = parseLine(line);
    if (!result.ok) {
      ctx.emit({ kind: 'rejected', sourceId: cfg.id, ts, reason: result.reason, detail: result.detail });
      return;
    }
    const { frame } = result;
    // A hello restarts the node's counter, so a jump to 0 there is a reboot, not a loss.
    const lost = frame.type === 'hello' && frame.seq === 0 ? 0 : linesLost(lastSeq, frame.seq);
    if (lost > 0) ctx.emit({ kind: 'lost', sourceId: cfg.id, ts, lines: lost });
    lastSeq = frame.seq;
    setOnline(true);
    ctx.emit({ kind: 'frame', sourceId: cfg.id, ts, frame });
  };

  const connect = async (): Promise<void> => {
    const device = await deviceAt(cfg.path);
    const port = new SerialPortStream({ binding: serialBinding, path: cfg.path, baudRate: cfg.baudRate, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      const message = (error as Error).message;
      // Log each distinct failure once: a pulled cable would otherwise log every few seconds for hours.
      if (message !== lastOpenError) ctx.log.warn({ node: cfg.id, path: cfg.path, err: message }, 'serial port not available, retrying');
      lastOpenError = message;
      // Not there yet (the usual reason): opened the moment it appears. There but refusing: the backoff paces the retries.
      if (device === null) awaitingDevice = true;
      retryLater(message);
      return;
    }
    if (stopped) {
      port.close();
      return;
    }
    lastOpenError = '';
    lastDataAt = ctx.now();
    ctx.log.info({ node: cfg.id, path: cfg.path, ...(lostAt === undefined ? {} : { awayMs: lastDataAt - lostAt }) }, 'serial port open');
    lostAt = undefined;
    let dropReason: string | undefined;
    const current: Connection = {
      port,
      device,
      gotData: false,
      drop(reason) {
        dropReason ??= reason;
        if (port.isOpen) port.close();
      },
    };
    connection = current;
    const guard = new LineGuard(MAX_LINE_LENGTH + 1, (bytes) =>
      ctx.emit({ kind: 'rejected', sourceId: cfg.id, ts: ctx.now(), reason: 'too_long', detail: `${bytes} bytes without a line end` }),
    );
    const lines = port.pipe(guard).pipe(new ReadlineParser({ delimiter: '\n', encoding: 'latin1' }));
    lines.on('data', (line: string) => {
      if (!current.gotData) {
        current.gotData = true;
        backoff.reset();
      }
      onLine(line);
    });
    port.on('error', (error) => ctx.log.warn({ node: cfg.id, err: error.message }, 'serial port error'));
    // A read error or a hang-up (binding.ts) closes the port with the reason; so does drop().
    port.on('close', (disconnect: Error | null) => {
      port.unpipe(guard);
      if (connection !== current) return; // stop() closed it
      connection = undefined;
      const why = dropReason ?? disconnect?.message ?? 'port closed';
      ctx.log.warn({ node: cfg.id, path: cfg.path, reason: why }, 'serial port closed, reconnecting');
      // A port that never brought data and closes again (a loose contact, a device that keeps resetting) waits out the backoff.
      if (current.gotData) awaitingDevice = true;
      retryLater(why);
    });
  };

  const open = async (): Promise<void> => {
    if (stopped || opening || connection) return;
    opening = true;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    try {
      await connect();
    } finally {
      opening = false;
    }
  };

  // The port's own events miss some pulls (a driver that never hangs up, a by-id link moved to a new tty), and the
  // backoff would reopen a re-plugged node only seconds later: the path itself says when the device is gone and back.
  const checkDevice = async () => {
    if (checkingDevice || stopped) return;
    checkingDevice = true;
    try {
      const device = await deviceAt(cfg.path);
      if (stopped || device === undefined) return;
      if (device === null) awaitingDevice = true;
      if (connection) {
        if (device === null) connection.drop('device path gone');
        else if (typeof connection.device !== 'string') connection.device = device;
        else if (device !== connection.device) connection.drop('device path now leads to another device');
      } else if (device !== null && awaitingDevice && !opening) {
        awaitingDevice = false;
        await open();
      }
    } finally {
      checkingDevice = false;
    }
  };

  // A port can stay "open" on a device that is gone (a USB adapter that hung) without ever reporting an error;
  // a silent port is closed and opened afresh, which also resets many ESP32 boards via DTR.
  const checkSilence = () => {
    const silentFor = ctx.now() - lastDataAt;
    if (!connection?.port.isOpen || silentFor < cfg.silentAfterSeconds * 1000) return;
    ctx.log.warn({ node: cfg.id, path: cfg.path, silentForMs: silentFor }, 'no data on an open serial port, reopening it');
    connection.drop(`no data for ${Math.round(silentFor / 1000)} s`);
  };

  return {
    id: cfg.id,
    async start() {
      stopped = false;
      timers = [setInterval(checkSilence, 1000), setInterval(() => void checkDevice(), DEVICE_CHECK_MS)];
      await open();
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const closing = connection;
      connection = undefined;
      if (closing?.port.isOpen) await new Promise<void>((resolve) => closing.port.close(() => resolve()));
      setOnline(false, 'stopped');
    },
  };
}
