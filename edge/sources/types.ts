/** The contract every source driver (serial sensor node, GPIO input, …) keeps with the edge. */
import type { Logger } from 'pino';
import type { Frame, RejectReason } from '../protocol/frame.js';

/**
 * What a source pushes into the edge. `ts` is ms since the epoch (UTC): stamped on receipt, or for a node on the network
 * the time it measured (from the kit's clock, docs/mqtt.md). `onBroker`: the node published this to the kit's broker
 * itself, so the edge derives from it (states, WBGT, silence) but does not publish it again.
 */
export type SourceEvent =
  | { kind: 'frame'; sourceId: string; ts: number; frame: Frame; onBroker?: true }
  | { kind: 'rejected'; sourceId: string; ts: number; reason: RejectReason; detail: string }
  | { kind: 'lost'; sourceId: string; ts: number; lines: number }
  /** A reading that came again (QoS 1 delivers at least once) or came late: dropped. */
  | { kind: 'duplicate'; sourceId: string; ts: number }
  | { kind: 'digital'; sourceId: string; ts: number; value: 0 | 1 }
  | { kind: 'power'; sourceId: string; ts: number; seq: number; reading: PowerReading }
  | { kind: 'online'; sourceId: string; ts: number; online: boolean; detail?: string; onBroker?: true }
  /**
   * A device's own part counter read (a Modbus register with `quantity: count`): its running total, which wraps at `modulo`
   * (65536 for one 16-bit register, 2^32 for two) and restarts at 0 when the device does. The edge turns it into parts.
   */
  | { kind: 'count'; sourceId: string; ts: number; channel: string; total: number; modulo: number; lastPartAgeMs?: number };

/** One channel of an energy meter (a phase or the total): what it read besides amps, which travel in a current frame. */
export interface PowerReading {
  channel: string;
  volts?: number;
  watts?: number;
  kwh?: number;
  powerFactor?: number;
  hz?: number;
}

export interface SourceContext {
  emit(event: SourceEvent): void;
  log: Logger;
  /** Wall clock in ms; injected so tests can drive it. */
  now(): number;
}

export interface Source {
  readonly id: string;
  /** Resolves once the source is running; a source that loses its device reconnects on its own. */
  start(): Promise<void>;
  stop(): Promise<void>;
}
