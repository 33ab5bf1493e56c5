/** The slot for active alarms at the top of every page; empty until the alarm engine's API exists. Rendered by AppShell only. */

export function AlarmBanner() {
  return null;
}
