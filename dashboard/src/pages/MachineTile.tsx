/** One machine on the overview: a big andon block with icon and state word, then its reading (amps, or watts for a machine watched by power), time in state and today's 稼働率. */

import { useNow } from '../clock';
import { isStale, StaleNote } from '../components/StaleNote';
import { StateIcon } from '../components/StateIcon';
import { formatDuration, formatNumber, formatPct } from '../format';
import { useI18n } from '../i18n';
import { liveStore } from '../live';
import { href } from '../router';
import { useStore } from '../store';
import type { KitMachine, MachineLive } from '../types';

interface Props {
  machine: KitMachine;
  live: MachineLive | undefined;
  now: number;
  timeZone: string;
  /** On the overview the tile opens the machine's page; on that page it is the live header. */
  link?: boolean;
}

export function MachineTile({ machine, live, now, timeZone, link = true }: Props) {
  const { t, name } = useI18n();
  const state = live?.state ?? 'UNKNOWN';
  // A digital input or a tower reports changes only, so a quiet input is not a stale one: the edge turns a lost input into 無信号.
  const stale = machine.kind === 'current' && isStale(live?.lastReadingAt, now);
  // The reading the machine's thresholds are in: a meter's watts for a machine watched by power, amps otherwise.
  const reading =
    machine.quantity === 'power'
      ? { label: t('machine.power'), value: formatNumber(live?.watts, 0), unit: 'W' }
      : { label: t('machine.current'), value: formatNumber(live?.amps, 1), unit: 'A' };
  const body = (
    <>
      <div class={`andon state-${state}`}>
        <StateIcon state={state} size={44} />
        <span class="andon-label" data-testid={`machine-state-${machine.id}`}>
          {t(`state.${state}`)}
        </span>
      </div>
      <div class="tile-body">
        {link && <h3 class="machine-name">{name(machine)}</h3>}
        <dl class="figures">
          {machine.kind === 'current' && (
            <div>
              <dt>{reading.label}</dt>
              <dd data-testid={`machine-reading-${machine.id}`}>
                {reading.value} <small>{reading.unit}</small>
              </dd>
            </div>
          )}
          <div>
            <dt>{t('machine.timeInState')}</dt>
            <dd>{live?.since ? formatDuration(now - live.since, t) : t('app.noValue')}</dd>
          </div>
          <div>
            <dt>{t('machine.utilizationToday')}</dt>
            <dd class="utilization">{formatPct(live?.utilizationToday)}</dd>
          </div>
        </dl>
        {stale && <StaleNote lastReadingAt={live?.lastReadingAt} timeZone={timeZone} />}
      </div>
    </>
  );
  const className = `machine-tile${stale ? ' stale' : ''}`;
  return link ? (
    <a class={className} href={href.machine(machine.id)} data-testid={`machine-${machine.id}`}>
      {body}
    </a>
  ) : (
    <section class={`${className} machine-header`} data-testid={`machine-${machine.id}`}>
      {body}
    </section>
  );
}

/** The tile fed from the live store and ticking by itself, so a history page around it re-renders only when its data changes. */
export function LiveMachineHeader({ machine, timeZone }: { machine: KitMachine; timeZone: string }) {
  const { snapshot } = useStore(liveStore);
  const now = useNow();
  return (
    <MachineTile machine={machine} live={snapshot?.machines.find((m) => m.id === machine.id)} now={now} timeZone={timeZone} link={false} />
  );
}
