/** Today / 1 h / 24 h / 7 d / two dates, as large buttons a gloved finger can hit; shared by the history pages. */
import { useI18n } from '../i18n';
import { RANGE_KINDS, type RangeChoice, rangeStore } from '../range';
import { useStore } from '../store';
import { DAY, toDateInput } from '../time';

export function RangePicker({ timeZone, now, invalid }: { timeZone: string; now: number; invalid: boolean }) {
  const { t } = useI18n();
  const choice = useStore(rangeStore);
  const set = (change: Partial<RangeChoice>) => rangeStore.set({ ...choice, ...change });
  const pick = (kind: RangeChoice['kind']) =>
    // Custom starts from the last seven days, the range a manager most often narrows down from.
    kind === 'custom' && !choice.fromDate
      ? set({ kind, fromDate: toDateInput(now - 6 * DAY, timeZone), toDate: toDateInput(now, timeZone) })
      : set({ kind });
  return (
    <fieldset class="range-picker">
      <legend>{t('range.label')}</legend>
      <div class="segmented">
        {RANGE_KINDS.map((kind) => (
          <button key={kind} type="button" aria-pressed={choice.kind === kind} onClick={() => pick(kind)}>
            {t(`range.${kind}`)}
          </button>
        ))}
      </div>
      {choice.kind === 'custom' && (
        <div class="date-fields">
          <label>
            {t('range.from')}
            <input
              type="date"
              value={choice.fromDate}
              max={choice.toDate || undefined}
              onChange={(e) => set({ fromDate: e.currentTarget.value })}
            />
          </label>
          <label>
            {t('range.to')}
            <input
              type="date"
              value={choice.toDate}
              min={choice.fromDate || undefined}
              onChange={(e) => set({ toDate: e.currentTarget.value })}
            />
          </label>
        </div>
      )}
      {invalid && (
        <p class="form-error" role="alert">
          {t('range.invalid')}
        </p>
      )}
    </fieldset>
  );
}
