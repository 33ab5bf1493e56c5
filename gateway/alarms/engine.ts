/** The alarm engine in the gateway: MQTT messages in; retained alarm topics, InfluxDB events, dashboard pushes and notifications out. */
import type { Logger } from 'pino';
import type { KitConfig } from '../../config/schema.js';
import { TOPIC_ROOT } from '../../edge/mqtt/topics.js';
import type { AlarmHistoryBody, AlarmHistoryFilters } from '../http/alarmSchemas.js';
import type { AlarmBody } from '../http/schemas.js';
import type { StoredPoint } from '../storage/point.js';
import { pointTime } from '../storage/pointTime.js';
import { type CoreStep, createAlarmCore } from './core.js';
import type { AlarmInput } from './evaluate.js';
import type { AlarmHistoryReader } from './history.js';
import { alarmInputs } from './inputs.js';
import type { AckResult, NotifyEvent } from './lifecycle.js';
import { AlarmStateFile } from './store.js';

/** The retained topic of one rule on one target: the Alarm JSON while open, an empty payload once fully cleared. */
export const alarmTopic = (kit: string, ruleId: string, targetId: string) => `${TOPIC_ROOT}/${kit}/alarm/${ruleId}/${targetId}`;

/** An alarm's raise, clear or acknowledgement as the `alarm` point of the history (docs/storage.md). */
export function alarmEventPoint(kit: string, event: NotifyEvent, ts: number, seq: number): StoredPoint {
  const { alarm } = event;
  const fields: StoredPoint['fields'] = {
    id: alarm.id,
    event: event.kind,
    state: alarm.state,
    message_ja: alarm.message.ja,
    message_en: alarm.message.en,
  };
  if (alarm.value !== null) fields.value = alarm.value;
  if (alarm.acknowledgedBy !== null) fields.acknowledged_by = alarm.acknowledgedBy;
  if (alarm.comment !== null) fields.comment = alarm.comment;
  return {
    measurement: 'alarm',
    tags: { kit, rule: alarm.ruleId, target_kind: alarm.target.kind, target: alarm.target.id, severity: alarm.severity },
    fields,
    timeNs: pointTime(ts, seq),
  };
}

export interface AlarmEngineOptions {
  config: KitConfig;
  /** The kit's resolved data folder; state goes to <dataDir>/alarms/state.json. */
  dataDir: string;
  log: Logger;
  now?: () => number;
  publish(topic: string, payload: string, retain: boolean): void;
  store(points: StoredPoint[]): void;
  /** Every change of an alarm, for the live model (dashboards). */
  onAlarm(alarm: AlarmBody): void;
  /** raised / cleared / reminder / acknowledged, for the notifier; never awaited. */
  onNotify(event: NotifyEvent): void;
  /** Where history() reads from; without it history() rejects (the route answers 503). */
  history?: AlarmHistoryReader;
}

/** Memory alone (last values, when nodes were seen) is saved at most this often when no alarm changes. */
const IDLE_SAVE_MS = 60_000;

export function createAlarmEngine(options: AlarmEngineOptions) {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const kit = config.kit.id;
  const file = new AlarmStateFile(options.dataDir);
  const saved = file.load((reason, movedTo) => log.error({ reason, movedTo }, 'alarm state file damaged; starting without it'));
  const core = createAlarmCore(config, saved);
  const inputsOf = alarmInputs(config);
  let seq = 0;
  let savedAt = now();
  let dirty = false;
  let stopped = false;

  const guard = (what: string, fn: () => unknown) => {
    try {
      const result = fn();
      // A listener that returns a promise is not waited for, but its failure must not go unnoticed.
      if (result && typeof (result as Promise<unknown>).catch === 'function')
        (result as Promise<unknown>).catch((err) => log.error({ err }, `${what} failed`));
    } catch (err) {
      log.error({ err }, `${what} failed`);
    }
  };

  const save = () => {
    try {
      file.save(core.state());
      savedAt = now();
      dirty = false;
    } catch (err) {
      log.error({ err }, 'alarm state not saved');
    }
  };

  const publishKey = (key: string) => {
    const [ruleId, targetId] = key.split('/') as [string, string];
    const current = core.book.current(key);
    guard('alarm publish', () => options.publish(alarmTopic(kit, ruleId, targetId), current ? JSON.stringify(current) : '', true));
  };

  const record = (event: NotifyEvent, ts: number) => {
    // The sequence keeps two events of one alarm in the same millisecond (a clear and an ack) from overwriting each other.
    seq = (seq + 1) % 65536;
    const point = alarmEventPoint(kit, event, ts, seq);
    guard('alarm store', () => options.store([point]));
  };

  /** Saves first (so a crash after a notification cannot send it again), then tells everyone. */
  const deliver = (events: NotifyEvent[], ts: number) => {
    if (events.length === 0) return;
    save();
    const keys = new Set<string>();
    for (const event of events) {
      if (event.kind !== 'reminder') {
        record(event, ts);
        guard('onAlarm', () => options.onAlarm(event.alarm));
        keys.add(`${event.alarm.ruleId}/${event.alarm.target.id}`);
      }
      guard('onNotify', () => options.onNotify(event));
    }
    for (const key of keys) publishKey(key);
  };

  const step = (input: AlarmInput): CoreStep => {
    const t = now();
    const out = core.step(input, t);
    if (out.transitions.length > 0) dirty = true;
    deliver(out.events, t);
    return out;
  };

  // Restart: put the open alarms back on the retained topics and the dashboards (no notification: they were sent before).
  for (const alarm of core.list()) guard('onAlarm', () => options.onAlarm(alarm));
  for (const key of core.book.keys()) publishKey(key);
  step({ kind: 'start' });
  save();

  return {
    /** Every MQTT message the broker routes (broker.onPublish); cheap for messages that concern no alarm. */
    handle(topic: string, payload: Buffer): void {
      if (stopped) return;
      for (const input of inputsOf(topic, payload)) step(input);
    },
    /** The timer: delays mature, time rules are checked, reminders go out. Call every few seconds. */
    tick(): void {
      if (stopped) return;
      step({ kind: 'tick' });
      if (dirty || now() - savedAt >= IDLE_SAVE_MS) save();
    },
    /** The production service's periodic view of a machine (behind plan, a stop waiting for its reason). */
    production(input: Omit<Extract<AlarmInput, { kind: 'production' }>, 'kind'>): void {
      if (!stopped) step({ kind: 'production', ...input });
    },
    acknowledge(id: string, username: string, comment?: string): AckResult {
      const t = now();
      const result = core.acknowledge(id, username, comment, t);
      if (result.ok) deliver([result.event], t);
      return result;
    },
    /** Active alarms and cleared ones nobody acknowledged yet. */
    active: (): AlarmBody[] => core.list(),
    get: (id: string): AlarmBody | undefined => core.book.get(id),
    history(from: number, to: number, filters?: AlarmHistoryFilters): Promise<AlarmHistoryBody> {
      if (!options.history) return Promise.reject(new Error('no alarm history store configured'));
      return options.history.history(from, to, filters);
    },
    rules: () => core.rules,
    stop(): void {
      if (stopped) return;
      stopped = true;
      save();
    },
  };
}

export type AlarmEngine = ReturnType<typeof createAlarmEngine>;
