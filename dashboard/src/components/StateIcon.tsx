/** A shape per machine state (play, pause, stop, warning triangle, dashed ring; a struck-out ring for no data), so colour is never the only signal on the andon. */
import type { TimelineState } from '../types';

export function StateIcon({ state, size = 32 }: { state: TimelineState; size?: number }) {
  return (
    <svg class="state-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {state === 'RUN' && <path d="M7 4.5v15l12.5-7.5z" fill="currentColor" />}
      {state === 'IDLE' && (
        <g fill="currentColor">
          <rect x="5.5" y="4.5" width="4.5" height="15" rx="1" />
          <rect x="14" y="4.5" width="4.5" height="15" rx="1" />
        </g>
      )}
      {state === 'OFF' && <rect x="5" y="5" width="14" height="14" rx="1.5" fill="currentColor" />}
      {state === 'FAULT' && (
        <path fill="currentColor" fill-rule="evenodd" d="M12 2.5 22.5 20.5h-21zM10.8 8.5v6.6h2.4V8.5zm0 8.3v2.3h2.4v-2.3z" />
      )}
      {state === 'UNKNOWN' && (
        <circle cx="12" cy="12" r="8" fill="none" stroke="currentColor" stroke-width="2.5" stroke-dasharray="3.5 3" />
      )}
      {state === 'NO_DATA' && (
        <g fill="none" stroke="currentColor" stroke-width="2.5">
          <circle cx="12" cy="12" r="8" />
          <path d="M6.5 17.5 17.5 6.5" />
        </g>
      )}
    </svg>
  );
}
