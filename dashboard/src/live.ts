/** The live shop floor: the api/live snapshot kept current by server-sent events from api/events, with the connection state for the banner. */
import { ApiError, api, apiUrl } from './api';
import { setServerTime } from './clock';
import { createStore } from './store';
import type { Alarm, LiveEvent, LiveSnapshot } from './types';

export interface LiveState {
  snapshot: LiveSnapshot | null;
  /** False while the event stream is down: the dashboard shows the reconnecting banner. */
  connected: boolean;
  /** Why the last snapshot load failed; it is retried. */
  loadError: ApiError | null;
}

const initial: LiveState = { snapshot: null, connected: true, loadError: null };
export const liveStore = createStore<LiveState>(initial);

const EVENT_TYPES = ['machine', 'zone', 'node', 'kit', 'alarm', 'resync'] as const;
/**
 * A half-open Wi-Fi connection looks alive forever, and the gateway's keep-alive comments are invisible to script. Readings
 * arrive every second or so, so a minute without any event means a dead stream: it is then quietly replaced.
 */
const SILENCE_LIMIT_MS = 60_000;

let running = false;
let source: EventSource | null = null;
/** Events that arrived while a snapshot was being fetched; applied on top of it. Null when no load is pending. */
let buffer: { id: number; event: LiveEvent }[] | null = null;
let loadSeq = 0;
let reopenAttempts = 0;
let lastHeard = 0;
let watchdog: ReturnType<typeof setInterval> | null = null;
const timers = new Set<ReturnType<typeof setTimeout>>();

function patch(change: Partial<LiveState>): void {
  liveStore.set({ ...liveStore.get(), ...change });
}

function later(fn: () => void, ms: number): void {
  const timer = setTimeout(() => {
    timers.delete(timer);
    if (running) fn();
  }, ms);
  timers.add(timer);
}

export function startLive(): void {
  if (running) return;
  running = true;
  open();
  document.addEventListener('visibilitychange', onVisible);
  watchdog = setInterval(() => {
    if (running && source?.readyState === EventSource.OPEN && Date.now() - lastHeard > SILENCE_LIMIT_MS) reopen(true);
  }, 10_000);
}

export function stopLive(): void {
  running = false;
  source?.close();
  source = null;
  buffer = null;
  loadSeq++;
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  if (watchdog !== null) clearInterval(watchdog);
  watchdog = null;
  document.removeEventListener('visibilitychange', onVisible);
  liveStore.set(initial);
}

function open(): void {
  const es = new EventSource(apiUrl('api/events'));
  source = es;
  lastHeard = Date.now();
  let opened = false;
  for (const type of EVENT_TYPES) es.addEventListener(type, (m) => onMessage(es, m as MessageEvent<string>));
  // A named heartbeat, should the gateway send one, keeps a quiet kit's stream from counting as dead.
  es.addEventListener('ping', () => {
    lastHeard = Date.now();
  });
  es.addEventListener('open', () => {
    if (es !== source) return;
    reopenAttempts = 0;
    lastHeard = Date.now();
    patch({ connected: true });
    // A fresh EventSource sends no Last-Event-ID: fetch the snapshot only now, so no event falls between the two.
    // The browser's own reconnects do send it, and the gateway replays what was missed or sends `resync`.
    if (!opened) void loadSnapshot();
    opened = true;
  });
  es.addEventListener('error', () => {
    if (es !== source) return;
    patch({ connected: false });
    // CLOSED means the browser gave up (an HTTP error such as 401, or 502 from a proxy) and will not retry by itself.
    if (es.readyState === EventSource.CLOSED) scheduleReopen();
  });
  // Show the last known values at once, even before (or without) the stream.
  void loadSnapshot();
}

/** A new EventSource (and so a new snapshot); `quiet` keeps the banner down when only the watchdog suspects the stream. */
function reopen(quiet = false): void {
  source?.close();
  source = null;
  if (!quiet) patch({ connected: false });
  open();
}

function scheduleReopen(): void {
  const delay = Math.min(10_000, 1000 * 2 ** reopenAttempts++);
  later(async () => {
    try {
      // A 401 here ends the session (the api module sends the app to the login page) instead of retrying forever.
      await api.get('api/auth/me');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
    }
    if (running) reopen();
  }, delay);
}

function onVisible(): void {
  // A tablet waking from sleep may find its stream closed without an error event.
  if (document.visibilityState === 'visible' && running && source?.readyState === EventSource.CLOSED) reopen();
}

async function loadSnapshot(): Promise<void> {
  const seq = ++loadSeq;
  buffer ??= [];
  try {
    const snapshot = await api.get<LiveSnapshot>('api/live');
    if (seq !== loadSeq || !running) return;
    setServerTime(snapshot.ts);
    let current = snapshot;
    for (const { id, event } of buffer ?? []) if (!(id <= current.eventId)) current = applyEvent(current, event, id);
    buffer = null;
    patch({ snapshot: current, loadError: null });
  } catch (e) {
    if (seq !== loadSeq || !running) return;
    if (e instanceof ApiError && e.status === 401) return;
    patch({ loadError: e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e), null) });
    later(() => void loadSnapshot(), 5000);
  }
}

function onMessage(es: EventSource, message: MessageEvent<string>): void {
  if (es !== source) return;
  lastHeard = Date.now();
  let event: LiveEvent;
  try {
    event = JSON.parse(message.data) as LiveEvent;
  } catch {
    return;
  }
  const id = message.lastEventId === '' ? Number.NaN : Number(message.lastEventId);
  if (event.type === 'resync') {
    void loadSnapshot();
    return;
  }
  if (buffer) {
    buffer.push({ id, event });
    // While api/live keeps failing the stream may still flow: keep the newest, the next snapshot covers the oldest.
    if (buffer.length > 5000) buffer.shift();
    return;
  }
  const snapshot = liveStore.get().snapshot;
  if (!snapshot) return;
  // Ids only rise; a lower one means the gateway restarted and numbers from scratch.
  if (id <= snapshot.eventId) {
    void loadSnapshot();
    return;
  }
  patch({ snapshot: applyEvent(snapshot, event, id) });
}

/**
 * An alarm as the acknowledge request answered it, shown at once instead of waiting for its event. Only over a state still
 * unacknowledged: an event that arrived first (cleared meanwhile, or someone else's acknowledgement) is at least as new.
 */
export function applyAlarmAnswer(alarm: Alarm): void {
  const snapshot = liveStore.get().snapshot;
  const shown = snapshot?.alarms.find((a) => a.id === alarm.id);
  if (!snapshot || !shown || (shown.state !== 'active-unacknowledged' && shown.state !== 'cleared-unacknowledged')) return;
  patch({ snapshot: applyEvent(snapshot, { type: 'alarm', alarm }, Number.NaN) });
}

function upsert<T extends { id: string }>(list: T[], item: T): T[] {
  const index = list.findIndex((x) => x.id === item.id);
  if (index < 0) return [...list, item];
  const next = list.slice();
  next[index] = item;
  return next;
}

/** The snapshot after one event; pure, exported for tests. */
export function applyEvent(snapshot: LiveSnapshot, event: LiveEvent, id: number): LiveSnapshot {
  const eventId = Number.isFinite(id) ? id : snapshot.eventId;
  switch (event.type) {
    case 'machine':
      return { ...snapshot, eventId, machines: upsert(snapshot.machines, event.machine) };
    case 'zone':
      return { ...snapshot, eventId, zones: upsert(snapshot.zones, event.zone) };
    case 'node':
      return { ...snapshot, eventId, nodes: upsert(snapshot.nodes, event.node) };
    case 'kit':
      return { ...snapshot, eventId, kitOnline: event.online };
    case 'alarm': {
      // Fully cleared alarms leave the list; active ones and cleared-but-unacknowledged ones stay.
      const rest = snapshot.alarms.filter((a) => a.id !== event.alarm.id);
      return { ...snapshot, eventId, alarms: event.alarm.state === 'cleared' ? rest : [...rest, event.alarm] };
    }
    case 'resync':
      return snapshot;
  }
}
