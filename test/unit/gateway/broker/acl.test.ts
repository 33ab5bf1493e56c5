import { describe, expect, it } from 'vitest';
import { topics } from '../../../../edge/mqtt/topics.js';
import { mayPublish, maySubscribe, type Principal } from '../../../../gateway/broker/acl.js';
import { hashPassword, verifyPassword } from '../../../../gateway/broker/password.js';

const edge: Principal = { username: 'edge', role: 'edge' };
const nodeA: Principal = { username: 'node-a', role: 'node', node: 'node-a' };
const reader: Principal = { username: 'grafana', role: 'reader' };

describe('broker ACL', () => {
  it('lets the edge publish anywhere in its own kit tree, nowhere else', () => {
    expect(mayPublish(edge, 'k1', topics.machineState('k1', 'm1'))).toBe(true);
    expect(mayPublish(edge, 'k1', topics.nodeCurrent('k1', 'node-b'))).toBe(true);
    expect(mayPublish(edge, 'k1', topics.machineState('k2', 'm1'))).toBe(false);
    expect(mayPublish(edge, 'k1', 'minotake/v1/k1/made/up/topic')).toBe(false);
    expect(mayPublish(edge, 'k1', '$SYS/broker/x')).toBe(false);
    expect(mayPublish(edge, 'k1', topics.rejectedPublish('k1'))).toBe(false);
    expect(mayPublish(edge, 'k1', topics.alarm('k1', 'wbgt-severe', 'floor'))).toBe(false); // only the gateway raises alarms
  });

  it('lets a sensor node publish readings only under its own node', () => {
    expect(mayPublish(nodeA, 'k1', topics.nodeCurrent('k1', 'node-a'))).toBe(true);
    expect(mayPublish(nodeA, 'k1', topics.nodeClimate('k1', 'node-a'))).toBe(true);
    expect(mayPublish(nodeA, 'k1', topics.nodeCurrent('k1', 'node-b'))).toBe(false);
    expect(mayPublish(nodeA, 'k1', topics.machineState('k1', 'm1'))).toBe(false);
    expect(mayPublish(nodeA, 'k1', topics.kitStatus('k1'))).toBe(false);
  });

  it('keeps readers read-only', () => {
    expect(mayPublish(reader, 'k1', topics.machineState('k1', 'm1'))).toBe(false);
    expect(maySubscribe(reader, 'k1', 'minotake/v1/k1/#')).toBe(true);
    expect(maySubscribe(reader, 'k1', 'minotake/v1/k1/machine/+/state')).toBe(true);
  });

  it('keeps subscriptions inside the kit, and a node inside its own subtree', () => {
    expect(maySubscribe(reader, 'k1', '#')).toBe(false);
    expect(maySubscribe(reader, 'k1', 'minotake/#')).toBe(false);
    expect(maySubscribe(reader, 'k1', 'minotake/v1/k2/#')).toBe(false);
    expect(maySubscribe(reader, 'k1', 'minotake/v1/k10/#')).toBe(false);
    expect(maySubscribe(nodeA, 'k1', 'minotake/v1/k1/node/node-a/#')).toBe(true);
    expect(maySubscribe(nodeA, 'k1', 'minotake/v1/k1/node/+/current')).toBe(false);
  });
});

describe('broker passwords', () => {
  it('stores a scrypt hash, not the password, and verifies it', () => {
    const hash = hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('correct');
    expect(verifyPassword('correct horse battery', hash)).toBe(true);
    expect(verifyPassword('correct horse batterz', hash)).toBe(false);
    expect(verifyPassword('x', 'scrypt$broken')).toBe(false);
  });

  it('salts each hash', () => {
    expect(hashPassword('same password')).not.toBe(hashPassword('same password'));
  });
});
