import { afterAll, describe, expect, it } from 'vitest';
import { barChart, legend, timelineStrips } from '../../../../gateway/report/charts.js';
import { ReportFontError } from '../../../../gateway/report/font.js';
import { COLORS, openReport } from '../../../../gateway/report/layout.js';
import { pdfPages, pdfText } from '../../../helpers/pdf.js';
import { tempDir } from '../../../helpers/services.js';

const dir = tempDir('layout');
afterAll(() => dir.remove());

const HOUR = 3_600_000;

function sampleReport(lang: 'ja' | 'en') {
  const doc = openReport({ title: lang === 'ja' ? '試用報告書' : 'Trial report', kitId: 'kit-07', lang, createdAt: new Date(0) });
  doc.heading(lang === 'ja' ? '1. 稼働状況' : '1. Machines');
  doc.paragraph('稼働率は計画時間に対する稼働時間の割合です。'.repeat(6));
  doc.bullets(['旋盤の待機が長い', 'プレスの停止が多い']);
  doc.keyValues([
    ['期間', '2025-06-02 〜 2025-06-08'],
    ['キット', 'kit-07'],
  ]);
  barChart(doc, {
    categories: ['6/2', '6/3', '6/4', '6/5'],
    series: [{ name: '稼働率', color: COLORS.run, values: [62, null, 48, 71] }],
    max: 100,
    valueLabels: true,
    noData: [false, true, false, false],
    noDataLabel: 'データなし',
  });
  timelineStrips(doc, {
    from: 0,
    to: 24 * HOUR,
    rows: [{ label: '6/2 (月)', segments: [{ from: 8 * HOUR, to: 12 * HOUR, color: COLORS.run }] }],
    ticks: [0, 6, 12, 18, 24].map((h) => ({ at: h * HOUR, label: `${h}:00` })),
  });
  legend(doc, [{ label: '稼働', color: COLORS.run }]);
  doc.table({
    columns: [
      { header: '日付', width: 2 },
      { header: '停止時間（分）', width: 1, align: 'right' },
    ],
    rows: Array.from({ length: 90 }, (_, i) => [`停止-${String(i + 1).padStart(3, '0')}`, String(i * 3)]),
  });
  return doc;
}

describe('the shared report layout', () => {
  it('sets Japanese text that a PDF reader can extract, with the kit id and page numbers on every page', async () => {
    const pages = pdfText(await sampleReport('ja').toBuffer(), dir.path);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0]).toContain('稼働率は計画時間に対する稼働時間の割合です。');
    expect(pages[0]).toContain('データなし');
    pages.forEach((page, i) => {
      expect(page).toContain('試用報告書 · キット kit-07');
      expect(page).toContain(`${i + 1} / ${pages.length} ページ`);
    });
  });

  it('repeats a long table’s header row on each page it runs onto and never loses a row', async () => {
    const pages = pdfText(await sampleReport('en').toBuffer(), dir.path);
    const withRows = pages.filter((p) => /停止-\d{3}/.test(p));
    expect(withRows.length).toBeGreaterThanOrEqual(2);
    for (const page of withRows) expect(page).toContain('停止時間（分）');
    const seen = pages.join('\n').match(/停止-\d{3}/g) ?? [];
    expect(new Set(seen).size).toBe(90);
    expect(pages.at(-1)).toContain(`Page ${pages.length} of ${pages.length}`);
  });

  it('renders to as many PNG pages as it has', async () => {
    const pdf = await sampleReport('ja').toBuffer();
    const text = pdfText(pdf, dir.path);
    expect(pdfPages(pdf, dir.path, 'layout')).toHaveLength(text.length);
  });

  it('names the Debian package to install when the Japanese font is missing', () => {
    expect(() => openReport({ title: 't', kitId: 'k', lang: 'ja', fontPath: '/nonexistent/font.ttc' })).toThrow(ReportFontError);
    try {
      openReport({ title: 't', kitId: 'k', lang: 'ja', fontPath: '/nonexistent/font.ttc' });
    } catch (error) {
      expect((error as ReportFontError).message).toContain('apt-get install fonts-noto-cjk');
      expect((error as ReportFontError).messageJa).toContain('fonts-noto-cjk');
    }
  });
});
