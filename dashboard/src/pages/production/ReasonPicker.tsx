/** Big reason buttons for gloved hands: one tap records the reason; a reason that wants words opens a short note first. */
import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n';
import { type Reason, reasonColor, type Settings } from './productionApi';

interface Props {
  settings: Settings;
  /** The reason chosen (and the note, for a reason that asks for one). */
  onPick: (reason: string, note?: string) => void;
  busy: boolean;
  /** Marks the buttons for tests and for the split editor's two rows. */
  testId: string;
}

export function ReasonPicker({ settings, onPick, busy, testId }: Props) {
  const { t, name } = useI18n();
  const [noting, setNoting] = useState<Reason | null>(null);
  const [note, setNote] = useState('');
  if (noting) {
    return (
      <form
        class="reason-note"
        onSubmit={(e) => {
          e.preventDefault();
          onPick(noting.id, note);
        }}
      >
        <label>
          {t('prod.note', { reason: name(noting) })}
          <input type="text" maxLength={200} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid={`${testId}-note`} />
        </label>
        <div class="reason-note-actions">
          <button type="button" class="button" onClick={() => setNoting(null)}>
            {t('prod.back')}
          </button>
          <button type="submit" class="button primary" disabled={busy} data-testid={`${testId}-save`}>
            {t('prod.save')}
          </button>
        </div>
      </form>
    );
  }
  return (
    <ul class="reason-grid">
      {settings.reasons.map((reason) => (
        <li key={reason.id}>
          <button
            type="button"
            class="reason-button"
            style={{ borderLeftColor: reasonColor(settings, reason.id) }}
            disabled={busy}
            data-testid={`${testId}-${reason.id}`}
            onClick={() => (reason.note ? setNoting(reason) : onPick(reason.id))}
          >
            {name(reason)}
          </button>
        </li>
      ))}
    </ul>
  );
}
