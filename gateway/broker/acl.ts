/** Who may publish and subscribe where in the kit's topic tree. Pure, so every rule is unit-tested. */
import { parseTopic, TOPIC_ROOT } from '../../edge/mqtt/topics.js';

export type Role = 'edge' | 'node' | 'reader';

export interface Principal {
  username: string;
  role: Role;
  /** For role `node`: the only sensor node it may speak for. */
  node?: string;
}

const GATEWAY_ONLY = new Set(['rejectedPublish', 'alarm', 'machineStopReason', 'machineProduction']);

export function mayPublish(who: Principal, kitId: string, topic: string): boolean {
  const parsed = parseTopic(topic);
  if (!parsed || parsed.kit !== kitId) return false;
  // Alarms, the rejected-publish echo and what people recorded (stop reasons, the board) come from the gateway itself, never from a client.
  if (who.role === 'edge') return !GATEWAY_ONLY.has(parsed.kind);
  if (who.role === 'node') return parsed.id === who.node && ['nodeStatus', 'nodeCurrent', 'nodeClimate', 'nodeError'].includes(parsed.kind);
  return false;
}

/** Filters stay inside the kit's own tree; a node sees only its own subtree. */
export function maySubscribe(who: Principal, kitId: string, filter: string): boolean {
  const kitRoot = `${TOPIC_ROOT}/${kitId}`;
  const root = who.role === 'node' ? `${kitRoot}/node/${who.node}` : kitRoot;
  // Wildcards after the root cannot reach above it, so a prefix check is enough.
  return filter === root || filter.startsWith(`${root}/`);
}
