/** What the banner and the history page share about alarms: their order, and the names of what they concern. */
import type { I18n } from './i18n';
import type { Alarm, AlarmSeverity, KitInfo } from './types';

export const SEVERITIES: readonly AlarmSeverity[] = ['critical', 'warning', 'info'];
const RANK: Record<AlarmSeverity, number> = { critical: 0, warning: 1, info: 2 };

/** Not yet acknowledged (still active or already cleared): someone has to look. */
export const needsAck = (a: Alarm): boolean => a.state === 'active-unacknowledged' || a.state === 'cleared-unacknowledged';

/** The banner's order: what needs a person first, then the most severe, then the newest. */
export function bannerOrder(a: Alarm, b: Alarm): number {
  return Number(needsAck(b)) - Number(needsAck(a)) || RANK[a.severity] - RANK[b.severity] || b.raisedAt - a.raisedAt;
}

export function mostSevere(alarms: readonly Alarm[]): AlarmSeverity | null {
  let best: AlarmSeverity | null = null;
  for (const a of alarms) if (best === null || RANK[a.severity] < RANK[best]) best = a.severity;
  return best;
}

/** The machine's or zone's configured name in the chosen language; a node (or an unknown id) by its id. */
export function targetName(target: Alarm['target'], kit: KitInfo, name: I18n['name']): string {
  const thing =
    target.kind === 'machine'
      ? kit.machines.find((m) => m.id === target.id)
      : target.kind === 'zone'
        ? kit.zones.find((z) => z.id === target.id)
        : undefined;
  return thing ? name(thing) : target.id;
}
