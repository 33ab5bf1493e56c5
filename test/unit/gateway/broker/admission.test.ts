import { describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { parseTopic, topics } from '../../../../edge/mqtt/topics.js';
import { type AdmissionContext, admitPublish, CLOCK_FLOOR_MS, declaredBy } from '../../../../gateway/broker/admission.js';

const NOW = Date.UTC(2025, 6, 15, 3, 0, 0);
const DAY = 86_400_000;
const config = parseKitConfig({
  kit: { id: 'k', site: 'site' },
  sources: {
    serial: [
      { id: 'node-a', path: '/dev/null' },
      { id: 'node-b', path: '/dev/null' },
    ],
    gpio: [{ id: 'lamp', pin: 17 }],
  },
  machines: ['ct1', 'ct2'].map((channel, i) => ({
    id: ['lathe', 'press'][i],
    name: channel,
    source: { node: 'node-a', channel },
    thresholds: { idleAbove: 0.5, runAbove: 4 },
  })),
  zones: [{ id: 'floor', name: 'floor', source: { node: 'node-a', channel: 'env1' } }],
  broker: { accounts: [{ username: 'node-b', role: 'node', node: 'node-b', password: 'node-b-password' }] },
});
const context: AdmissionContext = { declared: declaredBy(config), retention: config.storage.retention, now: NOW };

function admit(topic: string, payload: unknown, extra: Partial<AdmissionContext> = {}) {
  const parsed = parseTopic(topic);
  if (!parsed) throw new Error(`not a kit topic: ${topic}`);
  const bytes = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return admitPublish(parsed, bytes, { ...context, ...extra });
}
const current = (amps: Record<string, number>, ts = NOW) => admit(topics.nodeCurrent('k', 'node-a'), { ts, seq: 1, amps });
const rules = (admission: ReturnType<typeof admit>) => admission.rejections.map((r) => r.rule);

describe('what the broker admits', () => {
  it('passes a good reading through unchanged', () => {
    const payload = JSON.stringify({ ts: NOW - 1000, seq: 4, amps: { ct1: 12.5, ct2: 0.1 } });
    expect(admit(topics.nodeCurrent('k', 'node-a'), payload)).toEqual({ deliver: Buffer.from(payload), rejections: [] });
  });

  it('refuses the ts: 1 reading, naming an unset clock', () => {
    const admission = current({ ct1: 3 }, 1);
    expect(admission.deliver).toBeUndefined();
    expect(admission.rejections[0]).toMatchObject({ rule: 'implausibleTime' });
    expect(admission.rejections[0]?.reason).toContain('clock is not set');
  });

  it('keeps raw readings within the raw retention (30 days) and states within the events one (forever)', () => {
    expect(rules(current({ ct1: 3 }, NOW - 29 * DAY))).toEqual([]);
    expect(rules(current({ ct1: 3 }, NOW - 31 * DAY))).toEqual(['implausibleTime']);
    const state = (ts: number) => admit(topics.machineState('k', 'lathe'), { ts, state: 'RUN', previous: 'IDLE' });
    expect(rules(state(NOW - 400 * DAY))).toEqual([]);
    expect(rules(state(CLOCK_FLOOR_MS - 1))).toEqual(['implausibleTime']);
    const shortEvents = { ...config.storage.retention, events: '7d' };
    expect(
      rules(admit(topics.machineState('k', 'lathe'), { ts: NOW - 8 * DAY, state: 'RUN', previous: 'IDLE' }, { retention: shortEvents })),
    ).toEqual(['implausibleTime']);
  });

  it('allows a clock a little ahead, not more than 5 minutes', () => {
    expect(rules(current({ ct1: 3 }, NOW + 4 * 60_000))).toEqual([]);
    const ahead = current({ ct1: 3 }, NOW + 10 * 60_000);
    expect(rules(ahead)).toEqual(['implausibleTime']);
    expect(ahead.rejections[0]?.reason).toContain('600 s ahead');
  });

  it('stamps a last will with the time it fires, since it was written when its client connected', () => {
    const admission = admit(topics.kitStatus('k'), { online: false, ts: NOW - 90 * DAY }, { will: true });
    expect(admission.rejections).toEqual([]);
    expect(JSON.parse(String(admission.deliver))).toEqual({ online: false, ts: NOW });
  });

  it('refuses ids and channels the kit file does not declare', () => {
    expect(rules(admit(topics.nodeCurrent('k', 'node-z'), { ts: NOW, seq: 1, amps: { ct1: 1 } }))).toEqual(['undeclared']);
    expect(rules(admit(topics.machineState('k', 'ghost'), { ts: NOW, state: 'RUN', previous: 'OFF' }))).toEqual(['undeclared']);
    expect(rules(admit(topics.gpioInput('k', 'pin99'), { ts: NOW, value: 1 }))).toEqual(['undeclared']);
    expect(
      rules(
        admit(topics.zoneEnvironment('k', 'roof'), {
          ts: NOW,
          temperatureC: 20,
          humidityPct: 50,
          wbgtC: 18,
          level: 'safe',
          legalThreshold: false,
        }),
      ),
    ).toEqual(['undeclared']);
    const climate = admit(topics.nodeClimate('k', 'node-a'), { ts: NOW, seq: 1, channel: 'env9', temperatureC: 20, humidityPct: 50 });
    expect(climate.rejections[0]?.reason).toBe('channel "env9" is not declared for node node-a in the kit file');
    // node-b is declared by its account; its ct1 is not declared by any machine or zone.
    expect(rules(admit(topics.nodeCurrent('k', 'node-b'), { ts: NOW, seq: 1, amps: { ct1: 1 } }))).toEqual(['undeclared']);
  });

  it('delivers the declared channels of a reading and refuses the others beside it', () => {
    const admission = current({ ct1: 5, ct7: 1, ct8: 2 });
    expect(JSON.parse(String(admission.deliver)).amps).toEqual({ ct1: 5 });
    expect(admission.rejections).toEqual([
      { rule: 'undeclared', reason: 'channels not declared for node node-a in the kit file: ct7, ct8' },
    ]);
  });

  it('refuses 5,000 channels in one message before parsing it, and 65 channels after', () => {
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`c${i}`, 1]));
    const admission = current(many);
    expect(rules(admission)).toEqual(['tooLarge']);
    expect(admission.rejections[0]?.reason).toMatch(/^payload of \d+ bytes \(at most 4096 for nodeCurrent\)$/);
    const sixtyFive = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`c${i}`, 1]));
    expect(rules(current(sixtyFive))).toEqual(['malformed']);
  });

  it('cannot be polluted by __proto__ in a payload or a topic', () => {
    const proto = admit(topics.nodeCurrent('k', 'node-a'), '{"ts":' + NOW + ',"seq":1,"amps":{"ct1":2,"__proto__":{"polluted":1}}}');
    expect(rules(proto)).toEqual(['malformed']);
    const climate = admit(topics.nodeClimate('k', 'node-a'), { ts: NOW, seq: 1, channel: '__proto__', temperatureC: 20, humidityPct: 50 });
    expect(rules(climate)).toEqual(['malformed']);
    expect(rules(admit(topics.nodeCurrent('k', '__proto__'), { ts: NOW, seq: 1, amps: { ct1: 1 } }))).toEqual(['undeclared']);
    expect(rules(admit(topics.machineState('k', 'constructor'), { ts: NOW, state: 'RUN', previous: 'OFF' }))).toEqual(['undeclared']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('refuses a payload that is not what its topic carries', () => {
    expect(admit(topics.nodeCurrent('k', 'node-a'), 'ct1=3').rejections).toEqual([{ rule: 'malformed', reason: 'not JSON' }]);
  });
});
