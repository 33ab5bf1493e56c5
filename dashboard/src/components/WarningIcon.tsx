/** A warning triangle that goes with the legal-threshold text, so the alert does not rely on its colour. */

export function WarningIcon({ size = 24 }: { size?: number }) {
  return (
    <svg class="warning-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 2.5 1.5 21h21z" fill="#111827" />
      <path d="M12 6 4.9 18.8h14.2z" fill="#facc15" />
      <rect x="11" y="10" width="2" height="5" fill="#111827" />
      <rect x="11" y="16" width="2" height="2" fill="#111827" />
    </svg>
  );
}
