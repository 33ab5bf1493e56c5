import { describe, expect, it } from 'vitest';
import { alarmLink, composeMessage, formatLocalTime } from '../../../../gateway/notify/message.js';
import { alarm, RAISED_AT } from './fixtures.js';

const base = { timeZone: 'Asia/Tokyo', site: 'テスト工場' };

describe('notification message', () => {
  it('reads in Japanese with severity, kind, local time and a dashboard link', () => {
    const m = composeMessage('raised', alarm({ severity: 'critical' }), { ...base, locale: 'ja', dashboardUrl: 'http://pi.local:8080/' });
    expect(m.title).toBe('【重大】発生：第1工場 WBGT 28.4 ≥ 28 (厳重警戒)');
    expect(m.lines).toEqual(['第1工場 WBGT 28.4 ≥ 28 (厳重警戒)', '発生時刻：2025-07-01 14:05', '拠点：テスト工場']);
    expect(m.link).toBe('http://pi.local:8080/#/alarms?id=a-1');
    expect(m.text).toBe(
      [
        '【重大】発生：第1工場 WBGT 28.4 ≥ 28 (厳重警戒)',
        '第1工場 WBGT 28.4 ≥ 28 (厳重警戒)',
        '発生時刻：2025-07-01 14:05',
        '拠点：テスト工場',
        'ダッシュボードで見る：http://pi.local:8080/#/alarms?id=a-1',
      ].join('\n'),
    );
  });

  it('reads in English with who acknowledged, the comment and the clear time', () => {
    const acked = alarm({
      severity: 'info',
      state: 'cleared',
      clearedAt: RAISED_AT + 3_600_000,
      acknowledgedAt: RAISED_AT + 600_000,
      acknowledgedBy: 'sato',
      comment: 'fan switched on',
    });
    const m = composeMessage('acknowledged', acked, { ...base, locale: 'en' });
    expect(m.title).toBe('[Info] Acknowledged: Plant 1 WBGT 28.4 ≥ 28 (severe warning)');
    expect(m.lines).toEqual([
      'Plant 1 WBGT 28.4 ≥ 28 (severe warning)',
      'Raised at: 2025-07-01 14:05',
      'Cleared at: 2025-07-01 15:05',
      'Acknowledged: sato (2025-07-01 14:15)',
      'Comment: fan switched on',
      'Site: テスト工場',
    ]);
    expect(m.link).toBeNull();
    expect(m.text).not.toContain('http');
  });

  it('names every severity and kind in both languages', () => {
    const titles = (['raised', 'cleared', 'reminder', 'acknowledged'] as const).map(
      (kind) => composeMessage(kind, alarm({ severity: 'warning' }), { ...base, locale: 'ja' }).title,
    );
    expect(titles.map((t) => t.split('：')[0])).toEqual(['【警告】発生', '【警告】解除', '【警告】未確認の再通知', '【警告】確認済み']);
    const en = composeMessage('reminder', alarm({ severity: 'critical' }), { ...base, locale: 'en' }).title;
    expect(en.startsWith('[Critical] Reminder: not acknowledged: ')).toBe(true);
  });

  it('writes times in the kit time zone, not the host one', () => {
    expect(formatLocalTime(RAISED_AT, 'Asia/Tokyo')).toBe('2025-07-01 14:05');
    expect(formatLocalTime(RAISED_AT, 'UTC')).toBe('2025-07-01 05:05');
    // Past midnight in Tokyo is still the previous day in UTC.
    expect(formatLocalTime(Date.UTC(2025, 0, 31, 15, 30), 'Asia/Tokyo')).toBe('2025-02-01 00:30');
  });

  it('escapes the alarm id in the link', () => {
    expect(alarmLink('https://kit.example/kit-a01/', 'wbgt 28/floor')).toBe('https://kit.example/kit-a01/#/alarms?id=wbgt%2028%2Ffloor');
    expect(alarmLink(undefined, 'a-1')).toBeNull();
  });
});
