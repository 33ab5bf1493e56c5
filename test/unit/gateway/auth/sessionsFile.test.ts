import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Sessions } from '../../../../gateway/auth/sessions.js';
import { tempDir } from '../../../helpers/services.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

describe('sessions kept across a gateway restart', () => {
  it('keeps a kiosk tablet signed in after a restart without writing its cookie to disk', () => {
    const dir = tempDir('sessions');
    dirs.push(dir);
    const file = join(dir.path, 'sessions.json');
    const before = new Sessions({ file });
    const kiosk = before.create({ username: 'kiosk:line-1', role: 'viewer', kiosk: true, tokenId: 't1' });
    const person = before.create({ username: 'suzuki', role: 'manager', kiosk: false });
    before.delete(person.id);
    before.flush();

    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(kiosk.id);
    expect(text).toContain('kiosk:line-1');

    const after = new Sessions({ file });
    const restored = after.get(kiosk.id);
    expect(restored?.username).toBe('kiosk:line-1');
    expect(restored?.csrfToken).toBe(kiosk.csrfToken);
    expect(after.get(person.id)).toBeUndefined();
    expect(after.get('not-a-session')).toBeUndefined();
    // A restored session can be ended through the id learnt from its cookie.
    expect(after.delete(restored?.id as string)).toBe(true);
  });
});
