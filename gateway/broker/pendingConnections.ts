/**
 * Connections from one address that have not signed in yet. Each one costs a socket, a file descriptor and ~10 KB until
 * aedes drops it 30 s later; nothing bounded them, so one laptop that kept reconnecting held 20,000 of them: +200 MB and
 * no file descriptor left, and the dashboard stopped answering. A host signs in a handful of clients at once at most.
 */
import { addressKey } from './credentials.js';

export const MAX_PENDING_PER_ADDRESS = 16;

export class PendingConnections {
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly max = MAX_PENDING_PER_ADDRESS) {}

  /** Counts a new connection; returns what to call once it signed in or closed, or undefined when its address has too many waiting. */
  open(address: string | undefined): (() => void) | undefined {
    const key = addressKey(address);
    const count = this.byAddress.get(key) ?? 0;
    if (count >= this.max) return undefined;
    this.byAddress.set(key, count + 1);
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      const left = (this.byAddress.get(key) ?? 1) - 1;
      if (left > 0) this.byAddress.set(key, left);
      else this.byAddress.delete(key);
    };
  }
}
