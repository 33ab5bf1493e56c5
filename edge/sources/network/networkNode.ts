/** A sensor node on the factory network: what it publishes to the kit's broker itself, as the same events a serial node gives. */
import type { NetworkNodeConfig } from '../../../config/schema.js';
import { decodePayload, type PayloadKind } from '../../mqtt/topics.js';
import { linesLost } from '../../protocol/sequence.js';
import type { Source, SourceContext } from '../types.js';

export interface NetworkNodeSource extends Source {
  /** One message from the node's topics; the edge subscribes for every network node at once and hands each its own. */
  receive(kind: PayloadKind, payload: Buffer, retained: boolean): void;
}

/**
 * The broker has already checked each payload (schema, declared channels, a plausible time), so what is left is the
 * order: a node sends what it buffered while its Wi-Fi was down, oldest first, and QoS 1 may deliver a message twice.
 * A reading no newer than the last one is a repeat and is dropped here; a jump in `seq` is counted as lost readings.
 */
export function createNetworkNode(cfg: NetworkNodeConfig, ctx: SourceContext): NetworkNodeSource {
  let running = false;
  let lastSeq: number | undefined;
  let lastTs = Number.NEGATIVE_INFINITY;

  /** Whether a reading is new, counting any gap before it. */
  const fresh = (ts: number, seq: number): boolean => {
    if (lastSeq !== undefined && (ts < lastTs || (ts === lastTs && seq === lastSeq))) {
      ctx.emit({ kind: 'duplicate', sourceId: cfg.id, ts });
      return false;
    }
    // A node counts from 0 again after a restart: that is not 65,535 lost readings.
    const lost = seq === 0 ? 0 : linesLost(lastSeq, seq);
    if (lost > 0) ctx.emit({ kind: 'lost', sourceId: cfg.id, ts, lines: lost });
    lastSeq = seq;
    lastTs = ts;
    return true;
  };

  return {
    id: cfg.id,
    async start() {
      running = true;
    },
    async stop() {
      running = false;
    },
    receive(kind, payload, retained) {
      // A retained message is what was last said, perhaps long ago (the node's status before the edge started).
      if (!running || retained) return;
      const sourceId = cfg.id;
      switch (kind) {
        case 'nodeCurrent': {
          const d = decodePayload('nodeCurrent', payload);
          if (!d.ok || !fresh(d.payload.ts, d.payload.seq)) return;
          const { ts, seq, amps } = d.payload;
          ctx.emit({ kind: 'frame', sourceId, ts, frame: { type: 'current', seq, amps }, onBroker: true });
          return;
        }
        case 'nodeClimate': {
          const d = decodePayload('nodeClimate', payload);
          if (!d.ok || !fresh(d.payload.ts, d.payload.seq)) return;
          const { ts, seq, channel, temperatureC, humidityPct } = d.payload;
          ctx.emit({ kind: 'frame', sourceId, ts, frame: { type: 'climate', seq, channel, temperatureC, humidityPct }, onBroker: true });
          return;
        }
        case 'nodeError': {
          const d = decodePayload('nodeError', payload);
          if (!d.ok || !fresh(d.payload.ts, d.payload.seq)) return;
          const { ts, seq, channel, code } = d.payload;
          ctx.emit({ kind: 'frame', sourceId, ts, frame: { type: 'sensorError', seq, channel, code }, onBroker: true });
          return;
        }
        case 'nodeStatus': {
          // The node's hello on connect (with its firmware) or its last will; the edge's own statuses come back here too.
          const d = decodePayload('nodeStatus', payload);
          if (!d.ok) return;
          const { online, firmware, reason } = d.payload;
          const detail = firmware ? `firmware ${firmware}` : reason;
          ctx.emit({ kind: 'online', sourceId, ts: ctx.now(), online, ...(detail ? { detail } : {}), onBroker: true });
          return;
        }
        default:
          return;
      }
    },
  };
}
