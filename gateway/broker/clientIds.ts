/**
 * Which account holds which MQTT client id. MQTT lets a new connection with a client id take over the session
 * of the one before it; here only the account that holds the id may, so no account can push another out.
 */
import type { Principal } from './acl.js';

/** The edge's ids (`minotake-edge-<kit>` of an edge on its own device) are for edge accounts only. */
export const EDGE_CLIENT_PREFIX = 'minotake-edge-';
/** Bounds the ids held by persistent sessions, which outlive their connections. */
const MAX_HELD = 10_000;

interface Holder {
  username: string;
  connections: number;
  /** A persistent session (clean = false) stays the account's after it disconnects, as its queued messages do. */
  persistent: boolean;
}

export class ClientIds {
  private readonly holders = new Map<string, Holder>();

  /** Takes the id for a connection of `who`, or says why it may not. */
  claim(clientId: string, who: Principal, clean: boolean): string | undefined {
    const holder = this.holders.get(clientId);
    if (holder && holder.username !== who.username) return `client id ${clientId} belongs to another account`;
    if (!holder && clientId.startsWith(EDGE_CLIENT_PREFIX) && who.role !== 'edge')
      return `client ids starting ${EDGE_CLIENT_PREFIX} are for edge accounts`;
    if (!holder && this.holders.size >= MAX_HELD) return 'too many client ids held';
    const held = holder ?? { username: who.username, connections: 0, persistent: false };
    held.connections++;
    // A clean connection ends the session it takes over [MQTT-3.1.2-6].
    held.persistent = !clean;
    this.holders.set(clientId, held);
    return undefined;
  }

  /** A connection that claimed the id has closed. */
  release(clientId: string): void {
    const holder = this.holders.get(clientId);
    if (!holder) return;
    holder.connections--;
    if (holder.connections <= 0 && !holder.persistent) this.holders.delete(clientId);
  }
}
