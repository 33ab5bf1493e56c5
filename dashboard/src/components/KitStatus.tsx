/** Warnings that concern every page: the kit has stopped collecting, or a sensor node has gone silent. */
import { useI18n } from '../i18n';
import { liveStore } from '../live';
import { useStore } from '../store';

export function KitStatus() {
  const { t } = useI18n();
  const { snapshot } = useStore(liveStore);
  if (!snapshot) return null;
  const silent = snapshot.nodes.filter((n) => !n.online);
  if (snapshot.kitOnline && silent.length === 0) return null;
  return (
    <div class="kit-status" role="status">
      {!snapshot.kitOnline && <p>{t('app.kitOffline')}</p>}
      {silent.map((n) => (
        <p key={n.id}>{t('app.nodeOffline', { id: n.id })}</p>
      ))}
    </div>
  );
}
