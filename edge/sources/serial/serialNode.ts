/** A sensor node on a USB-serial port: reads protocol lines, reconnects with backoff, never throws into the edge. */
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import type { SerialNodeConfig } from '../../../config/schema.js';
import { MAX_LINE_LENGTH } from '../../protocol/frame.js';
import { parseLine } from '../../protocol/parseLine.js';
import { linesLost } from '../../protocol/sequence.js';
import { Backoff } from '../backoff.js';
import type { Source, SourceContext } from '../types.js';
import { LineGuard } from './lineGuard.js';

export interface SerialNodeOptions {
  /** Reconnect delays; tests shorten them. */
  backoff?: Backoff;
}

export function createSerialNode(cfg: SerialNodeConfig, ctx: SourceContext, options: SerialNodeOptions = {}): Source {
  const backoff = options.backoff ?? new Backoff();
  let port: SerialPort | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let online = false;
  let lastSeq: number | undefined;
  let lastOpenError = '';
  let lastDataAt = 0;
  let watchdog: NodeJS.Timeout | undefined;

  const setOnline = (value: boolean, detail?: string) => {
    if (online === value) return;
    online = value;
    ctx.emit({ kind: 'online', sourceId: cfg.id, ts: ctx.now(), online: value, ...(detail ? { detail } : {}) });
  };

  const scheduleReconnect = (why: string) => {
    port = undefined;
    lastSeq = undefined;
    setOnline(false, why);
    if (stopped || retryTimer) return;
    const delay = backoff.next();
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void open();
    }, delay);
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

  const open = async (): Promise<void> => {
    if (stopped) return;
    const candidate = new SerialPort({ path: cfg.path, baudRate: cfg.baudRate, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => candidate.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      const message = (error as Error).message;
      // Log each distinct failure once: a pulled cable would otherwise log every few seconds for hours.
      if (message !== lastOpenError) ctx.log.warn({ node: cfg.id, path: cfg.path, err: message }, 'serial port not available, retrying');
      lastOpenError = message;
      scheduleReconnect(message);
      return;
    }
    if (stopped) {
      candidate.close();
      return;
    }
    lastOpenError = '';
    backoff.reset();
    port = candidate;
    lastDataAt = ctx.now();
    ctx.log.info({ node: cfg.id, path: cfg.path }, 'serial port open');
    const guard = new LineGuard(MAX_LINE_LENGTH + 1, (bytes) =>
      ctx.emit({ kind: 'rejected', sourceId: cfg.id, ts: ctx.now(), reason: 'too_long', detail: `${bytes} bytes without a line end` }),
    );
    const lines = candidate.pipe(guard).pipe(new ReadlineParser({ delimiter: '\n', encoding: 'latin1' }));
    lines.on('data', onLine);
    candidate.on('error', (error) => ctx.log.warn({ node: cfg.id, err: error.message }, 'serial port error'));
    candidate.on('close', () => {
      candidate.unpipe(guard);
      if (!stopped) ctx.log.warn({ node: cfg.id, path: cfg.path }, 'serial port closed, reconnecting');
      if (port === candidate) scheduleReconnect('port closed');
    });
  };

  // A port can stay "open" on a device that is gone (a pty whose other end vanished, a USB adapter that hung) without
  // ever reporting an error; a silent port is closed and opened afresh, which also resets many ESP32 boards via DTR.
  const checkSilence = () => {
    const silentFor = ctx.now() - lastDataAt;
    if (!port?.isOpen || silentFor < cfg.silentAfterSeconds * 1000) return;
    ctx.log.warn({ node: cfg.id, path: cfg.path, silentForMs: silentFor }, 'no data on an open serial port, reopening it');
    port.close();
  };

  return {
    id: cfg.id,
    async start() {
      stopped = false;
      watchdog = setInterval(checkSilence, 1000);
      await open();
    },
    async stop() {
      stopped = true;
      clearInterval(watchdog);
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const closing = port;
      port = undefined;
      if (closing?.isOpen) await new Promise<void>((resolve) => closing.close(() => resolve()));
      setOnline(false, 'stopped');
    },
  };
}
