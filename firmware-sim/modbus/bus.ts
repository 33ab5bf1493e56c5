/**
 * Simulated Modbus RTU slaves on one RS-485 bus, behind a serial port (a socat pty in tests): frames end after 3.5 character
 * times of silence, answers leave after the device's turnaround and arrive after their time on the wire, and each device
 * can fail the way real ones do (no answer, a bad CRC, an exception, slowness).
 */
import { SerialPort } from 'serialport';
import { mulberry32 } from '../random.js';
import type { SimDevice } from './devices.js';
import { encodeException, encodeRegisters, parseRequest } from './frame.js';

export interface SimFaults {
  /** Never answers (dead, wrong address, A and B swapped). */
  silent?: boolean;
  /** Share of answers (0–1) sent with a broken CRC, as noise on a long unterminated cable would. */
  badCrc?: number;
  /** Answers every request with this exception code (4: its sensor element failed). */
  exception?: number;
  /** Extra ms before it answers. */
  slowMs?: number;
}

export interface SimModbusBusOptions {
  baudRate?: number;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  /** From the end of a request to the first byte of the answer, for a device without faults (default 5 ms). */
  turnaroundMs?: number;
  seed?: number;
}

export interface SimBusStats {
  /** Frames seen on the bus (after 3.5 characters of silence). */
  frames: number;
  /** Frames no device could use (a bad CRC, too short). */
  badRequests: number;
  /** Frames for an address nobody has. */
  unaddressed: number;
  answered: number;
  exceptions: number;
  silent: number;
  badCrcSent: number;
  /** Two transmissions on the wire at once (a late answer meeting the next request): both are lost. */
  collisions: number;
}

interface Slot {
  device: SimDevice;
  faults: SimFaults;
  requests: number;
  answered: number;
}

interface Transmission {
  startsAt: number;
  endsAt: number;
  frame: Buffer;
  garbled: boolean;
}

const clock = () => performance.now();

export class SimModbusBus {
  readonly stats: SimBusStats = {
    frames: 0,
    badRequests: 0,
    unaddressed: 0,
    answered: 0,
    exceptions: 0,
    silent: 0,
    badCrcSent: 0,
    collisions: 0,
  };
  private readonly slots = new Map<number, Slot>();
  private readonly charMs: number;
  private readonly gapMs: number;
  private readonly random: () => number;
  private port: SerialPort | undefined;
  private received: Buffer[] = [];
  /** The frame being received overlapped an answer on the wire: it is noise. */
  private receivingGarbled = false;
  /** When the last byte received so far finished arriving on the (simulated) wire. */
  private receivedUntil = 0;
  private frameTimer: NodeJS.Timeout | undefined;
  private readonly sending = new Set<Transmission>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly path: string,
    private readonly options: SimModbusBusOptions = {},
  ) {
    const baud = options.baudRate ?? 9600;
    const bits = 1 + 8 + ((options.parity ?? 'none') === 'none' ? 0 : 1) + (options.stopBits ?? 1);
    this.charMs = (1000 * bits) / baud;
    this.gapMs = baud > 19200 ? 1.75 : 3.5 * this.charMs;
    this.random = mulberry32(options.seed ?? 485);
  }

  add(address: number, device: SimDevice, faults: SimFaults = {}): this {
    this.slots.set(address, { device, faults, requests: 0, answered: 0 });
    return this;
  }

  /** Changes how a device misbehaves from its next request on ({} makes it healthy again). */
  setFaults(address: number, faults: SimFaults): void {
    const slot = this.slots.get(address);
    if (!slot) throw new RangeError(`no simulated device at address ${address}`);
    slot.faults = faults;
  }

  /** Requests addressed to a device, and how many it answered (data or exception). */
  countsOf(address: number): { requests: number; answered: number } {
    const slot = this.slots.get(address);
    return { requests: slot?.requests ?? 0, answered: slot?.answered ?? 0 };
  }

  async open(): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: this.options.baudRate ?? 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', () => {}); // the master's end going away is the test's business, not a crash
    this.port = port;
  }

  async close(): Promise<void> {
    clearTimeout(this.frameTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
  }

  private onData(chunk: Buffer): void {
    const now = clock();
    // A pty delivers the master's request at once; on the wire each character takes its time.
    const from = Math.max(now, this.receivedUntil);
    this.receivedUntil = from + chunk.length * this.charMs;
    for (const t of this.sending) {
      if (from < t.endsAt && this.receivedUntil > t.startsAt) {
        this.collide(t);
        this.receivingGarbled = true;
      }
    }
    this.received.push(chunk);
    clearTimeout(this.frameTimer);
    this.frameTimer = setTimeout(() => this.endOfFrame(), this.receivedUntil + this.gapMs - now);
  }

  private collide(transmission: Transmission): void {
    if (!transmission.garbled) this.stats.collisions++;
    transmission.garbled = true;
  }

  private endOfFrame(): void {
    const frame = Buffer.concat(this.received);
    this.received = [];
    this.stats.frames++;
    if (this.receivingGarbled) {
      this.receivingGarbled = false;
      this.stats.badRequests++;
      return;
    }
    const request = parseRequest(frame);
    if (!request.ok) {
      this.stats.badRequests++;
      return;
    }
    const slot = this.slots.get(request.unit);
    if (!slot) {
      this.stats.unaddressed++;
      return;
    }
    slot.requests++;
    if (slot.faults.silent) {
      this.stats.silent++;
      return;
    }
    const now = clock();
    const result = slot.faults.exception ?? slot.device.read(request.fn, request.start, request.count, Date.now());
    let answer: Buffer;
    if (typeof result === 'number') {
      answer = encodeException(request.unit, request.fn, result);
      this.stats.exceptions++;
    } else {
      answer = encodeRegisters(request.unit, request.fn, result);
    }
    if (slot.faults.badCrc && this.random() < slot.faults.badCrc) {
      answer[answer.length - 1] = (answer[answer.length - 1] as number) ^ 0x5a;
      this.stats.badCrcSent++;
    }
    slot.answered++;
    this.stats.answered++;
    const startsAt = now + (this.options.turnaroundMs ?? 5) + (slot.faults.slowMs ?? 0);
    const transmission: Transmission = { startsAt, endsAt: startsAt + answer.length * this.charMs, frame: answer, garbled: false };
    for (const other of this.sending) {
      if (transmission.startsAt < other.endsAt && transmission.endsAt > other.startsAt) {
        this.collide(other);
        this.collide(transmission);
      }
    }
    this.sending.add(transmission);
    // The master sees the answer once its last byte has crossed the wire.
    this.later(transmission.endsAt - now, () => {
      this.sending.delete(transmission);
      if (!this.port?.isOpen) return;
      const frame = transmission.garbled ? Buffer.from(transmission.frame.map((b, i) => (i % 3 === 0 ? b ^ 0xff : b))) : transmission.frame;
      this.port.write(frame);
    });
  }
}
