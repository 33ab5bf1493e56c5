import { describe, expect, it } from 'vitest';
import { decodePayload, parseTopic, RETAINED, topics } from '../../../../edge/mqtt/topics.js';

describe('MQTT topic tree', () => {
  it('parses every topic it builds back to its kind and id', () => {
    for (const [kind, build] of Object.entries(topics)) {
      const parsed = parseTopic(build('kit-1', 'x-1', 'y-1'));
      expect(parsed?.kind).toBe(kind);
      expect(parsed?.kit).toBe('kit-1');
    }
    expect(parseTopic(topics.machineState('k', 'lathe-1'))).toEqual({ kind: 'machineState', kit: 'k', id: 'lathe-1' });
  });

  it('knows nothing outside the tree', () => {
    for (const topic of [
      'foo',
      'minotake/v2/k/status',
      'minotake/v1/k/machine/m/state/extra',
      'minotake/v1/k/node/n/unknown',
      'minotake/v1/k/node/n/constructor',
      'minotake/v1/k/node/n/__proto__',
      'minotake/v1/',
    ]) {
      expect(parseTopic(topic)).toBeUndefined();
    }
  });

  it('retains states and statuses, not readings', () => {
    expect(RETAINED.has('machineState')).toBe(true);
    expect(RETAINED.has('nodeStatus')).toBe(true);
    expect(RETAINED.has('nodeCurrent')).toBe(false);
  });

  it('validates payloads and says what is wrong', () => {
    expect(decodePayload('nodeCurrent', Buffer.from('{"ts":1,"seq":2,"amps":{"ct1":3.5}}')).ok).toBe(true);
    expect(decodePayload('nodeCurrent', Buffer.from('not json'))).toEqual({ ok: false, reason: 'not JSON' });
    const negative = decodePayload('nodeCurrent', '{"ts":1,"seq":2,"amps":{"ct1":-3}}');
    expect(negative.ok).toBe(false);
    if (!negative.ok) expect(negative.reason).toContain('/amps/ct1');
    expect(decodePayload('machineState', '{"ts":1,"state":"RUNNING","previous":"OFF"}').ok).toBe(false);
    expect(decodePayload('nodeClimate', '{"ts":1,"seq":1,"channel":"env1","temperatureC":22,"humidityPct":140}').ok).toBe(false);
  });
});
