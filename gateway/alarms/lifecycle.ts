/** Alarm occurrences and their life: raised → acknowledged → cleared, cleared-unacknowledged until someone acknowledges, reminders. */
import type { AlarmBody } from '../http/schemas.js';
import type { Transition } from './evaluate.js';
import { alarmMessage } from './messages.js';
import type { RuleInstance } from './rules.js';

export type NotifyKind = 'raised' | 'cleared' | 'reminder' | 'acknowledged';

/** What the notifier receives (the shape of gateway/notify/types.ts NotifyEvent). */
export interface NotifyEvent {
  kind: NotifyKind;
  alarm: AlarmBody;
  rule: { notify?: string[] };
}

/** One occurrence as kept in memory and in state.json: the API's Alarm plus what the engine needs to find and remind it. */
export interface Occurrence extends AlarmBody {
  key: string;
  /** When the last reminder went out (null: none yet); persisted so that a restart does not remind again at once. */
  remindedAt: number | null;
}

export interface BookJson {
  open: Occurrence[];
  closed: string[];
}

export type AckResult = { ok: true; alarm: AlarmBody; event: NotifyEvent } | { ok: false; code: 'NOT_FOUND' | 'ALREADY_ACKNOWLEDGED' };

/** Ids of fully cleared alarms kept so that a late second acknowledgement gets 409, not 404. */
const CLOSED_KEPT = 500;

export const toAlarm = ({ key: _key, remindedAt: _remindedAt, ...alarm }: Occurrence): AlarmBody => ({
  ...alarm,
  message: { ...alarm.message },
});

const isActive = (o: Occurrence) => o.state === 'active-unacknowledged' || o.state === 'active-acknowledged';

export class AlarmBook {
  private open: Occurrence[];
  private closed: string[];

  constructor(json: BookJson = { open: [], closed: [] }) {
    this.open = json.open.map((o) => ({ ...o }));
    this.closed = [...json.closed];
  }

  toJSON(): BookJson {
    return { open: this.open.map((o) => ({ ...o })), closed: [...this.closed] };
  }

  /** Active alarms and cleared ones nobody acknowledged yet, oldest first. */
  list(): AlarmBody[] {
    return this.open.map(toAlarm);
  }

  get(id: string): AlarmBody | undefined {
    const o = this.open.find((x) => x.id === id);
    return o && toAlarm(o);
  }

  /** What the retained topic of a rule/target shows: its newest occurrence still open, if any. */
  current(key: string): AlarmBody | undefined {
    const o = this.open.filter((x) => x.key === key).at(-1);
    return o && toAlarm(o);
  }

  keys(): string[] {
    return [...new Set(this.open.map((o) => o.key))];
  }

  /** Applies one transition of the evaluator; undefined when it changes nothing (a clear for an alarm not open). */
  apply(rule: RuleInstance | undefined, t: Transition): NotifyEvent | undefined {
    if (t.type === 'raised') {
      if (!rule) return undefined;
      // The evaluator raises a key only when it is not active; an occurrence still active here means state.json and memory disagree.
      if (this.open.some((o) => o.key === t.key && isActive(o))) return undefined;
      let id = `${rule.ruleId}.${rule.target.id}.${t.ts}`;
      for (let n = 2; this.open.some((o) => o.id === id) || this.closed.includes(id); n++)
        id = `${rule.ruleId}.${rule.target.id}.${t.ts}-${n}`;
      const o: Occurrence = {
        id,
        key: t.key,
        ruleId: rule.ruleId,
        target: { ...rule.target },
        severity: rule.severity,
        state: 'active-unacknowledged',
        message: alarmMessage(rule, t.value, t.code),
        value: t.value,
        raisedAt: t.ts,
        clearedAt: null,
        acknowledgedAt: null,
        acknowledgedBy: null,
        comment: null,
        remindedAt: null,
      };
      this.open.push(o);
      return { kind: 'raised', alarm: toAlarm(o), rule: ruleRef(rule) };
    }
    const o = this.open.find((x) => x.key === t.key && isActive(x));
    if (!o) return undefined;
    o.clearedAt = t.ts;
    if (o.state === 'active-acknowledged') {
      o.state = 'cleared';
      this.close(o);
    } else {
      o.state = 'cleared-unacknowledged';
    }
    return { kind: 'cleared', alarm: toAlarm(o), rule: ruleRef(rule) };
  }

  acknowledge(id: string, username: string, comment: string | undefined, now: number, rule: RuleInstance | undefined): AckResult {
    const o = this.open.find((x) => x.id === id);
    if (!o) return { ok: false, code: this.closed.includes(id) ? 'ALREADY_ACKNOWLEDGED' : 'NOT_FOUND' };
    if (o.state === 'active-acknowledged') return { ok: false, code: 'ALREADY_ACKNOWLEDGED' };
    o.acknowledgedAt = now;
    o.acknowledgedBy = username;
    o.comment = comment?.trim() ? comment.trim() : null;
    if (o.state === 'active-unacknowledged') o.state = 'active-acknowledged';
    else {
      o.state = 'cleared';
      this.close(o);
    }
    return { ok: true, alarm: toAlarm(o), event: { kind: 'acknowledged', alarm: toAlarm(o), rule: ruleRef(rule) } };
  }

  /** A reminder for each active alarm nobody acknowledged, every `everyMs` since it was raised (0 = never). */
  remind(now: number, everyMs: number, ruleOf: (key: string) => RuleInstance | undefined): NotifyEvent[] {
    if (!(everyMs > 0)) return [];
    const events: NotifyEvent[] = [];
    for (const o of this.open) {
      if (o.state !== 'active-unacknowledged') continue;
      // After a long restart, one reminder, not one for every period missed.
      if (now - (o.remindedAt ?? o.raisedAt) < everyMs) continue;
      o.remindedAt = now;
      events.push({ kind: 'reminder', alarm: toAlarm(o), rule: ruleRef(ruleOf(o.key)) });
    }
    return events;
  }

  private close(o: Occurrence): void {
    this.open = this.open.filter((x) => x !== o);
    this.closed.push(o.id);
    if (this.closed.length > CLOSED_KEPT) this.closed.splice(0, this.closed.length - CLOSED_KEPT);
  }
}

const ruleRef = (rule: RuleInstance | undefined): { notify?: string[] } => (rule?.notify ? { notify: [...rule.notify] } : {});
