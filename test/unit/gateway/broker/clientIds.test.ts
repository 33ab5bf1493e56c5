import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../../gateway/broker/acl.js';
import { ClientIds } from '../../../../gateway/broker/clientIds.js';

const otherEdge: Principal = { username: 'edge-x', role: 'edge' };
const reader: Principal = { username: 'grafana', role: 'reader' };

describe('client ids belong to accounts', () => {
  it("keeps the edge's guessable ids for edge accounts", () => {
    const ids = new ClientIds();
    expect(ids.claim('minotake-edge-k', reader, true)).toMatch(/for edge accounts/);
    expect(ids.claim('minotake-edge-k', otherEdge, false)).toBeUndefined();
  });

  it('lets an account take over its own session, not one of another account', () => {
    const ids = new ClientIds();
    expect(ids.claim('grafana-1', reader, true)).toBeUndefined();
    expect(ids.claim('grafana-1', reader, true)).toBeUndefined(); // a reconnect of the same account
    expect(ids.claim('grafana-1', otherEdge, true)).toMatch(/another account/);
    ids.release('grafana-1');
    expect(ids.claim('grafana-1', otherEdge, true)).toMatch(/another account/); // one of its connections is still open
    ids.release('grafana-1');
    expect(ids.claim('grafana-1', otherEdge, true)).toBeUndefined(); // a clean session ends with its connection
  });

  it('keeps a persistent session with its account after it disconnects, until that account starts a clean one', () => {
    const ids = new ClientIds();
    ids.claim('node-b', { username: 'node-b', role: 'node', node: 'node-b' }, false);
    ids.release('node-b');
    expect(ids.claim('node-b', reader, true)).toMatch(/another account/);
    ids.claim('node-b', { username: 'node-b', role: 'node', node: 'node-b' }, true);
    ids.release('node-b');
    expect(ids.claim('node-b', reader, true)).toBeUndefined();
  });
});
