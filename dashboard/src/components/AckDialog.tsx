/** "Acknowledge" with an optional comment: a small modal over the page (not <dialog>, which Safari 14 lacks). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { targetName } from '../alarms';
import { ApiError, api } from '../api';
import { errorText, useI18n } from '../i18n';
import { applyAlarmAnswer } from '../live';
import type { Alarm, KitInfo } from '../types';
import { SeverityBadge } from './SeverityBadge';

const COMMENT_MAX = 500;

export function AckDialog({ alarm, kit, onClose }: { alarm: Alarm; kit: KitInfo; onClose: () => void }) {
  const { t, lang, name } = useI18n();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    field.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const text = comment.trim();
    try {
      const answer = await api.post<Alarm | { alarm: Alarm } | null>(
        `api/alarms/${encodeURIComponent(alarm.id)}/ack`,
        text ? { comment: text } : {},
      );
      const updated = answer && 'alarm' in answer ? answer.alarm : answer;
      if (updated?.id === alarm.id) applyAlarmAnswer(updated);
      onClose();
    } catch (err) {
      // 409: someone else acknowledged it first; its event brings their name.
      if (err instanceof ApiError && err.status === 409) {
        onClose();
        return;
      }
      setError(errorText(err, lang, t, 'alarm.ackFailed'));
      setBusy(false);
    }
  }

  return (
    <div class="modal-backdrop">
      <form class="modal panel" role="dialog" aria-modal="true" aria-labelledby="ack-title" onSubmit={submit}>
        <h2 id="ack-title">{t('alarm.ackTitle')}</h2>
        <p class="ack-alarm">
          <SeverityBadge severity={alarm.severity} />
          <span>{t('alarm.messageOn', { message: alarm.message[lang], target: targetName(alarm.target, kit, name) })}</span>
        </p>
        <label>
          {t('alarm.comment')}
          <textarea
            ref={field}
            data-testid="alarm-ack-comment"
            rows={3}
            maxLength={COMMENT_MAX}
            value={comment}
            placeholder={t('alarm.commentHint')}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="modal-actions">
          <button type="button" class="button" onClick={onClose} disabled={busy}>
            {t('admin.cancel')}
          </button>
          <button type="submit" class="button primary" data-testid="alarm-ack-submit" disabled={busy}>
            {t('alarm.ackSubmit')}
          </button>
        </div>
      </form>
    </div>
  );
}
