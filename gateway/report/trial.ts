/** The trial report from end to end: read what the kit recorded, work out the figures, lay out the PDF. For the CLI and the HTTP route. */
import { findReportFonts } from './font.js';
import type { ReportLang, ReportLayout } from './layout.js';
import { readTrialInput, type TrialSources } from './trialData.js';
import { trialFigures } from './trialFigures.js';
import { writeTrialReport } from './trialReport.js';

export interface TrialReportRequest {
  /** ms since the epoch; the range is cut at "now". */
  from: number;
  to: number;
  lang: ReportLang;
  fontPath?: string;
}

/** The laid-out report; end it with toBuffer() or finish(). Throws ReportFontError before any query when the font is missing. */
export async function makeTrialReport(sources: TrialSources, request: TrialReportRequest): Promise<ReportLayout> {
  findReportFonts(request.fontPath);
  const now = (sources.now ?? Date.now)();
  const figures = trialFigures(await readTrialInput(sources, request.from, request.to));
  // A kit fed by simulated nodes shows demo data: its report says so on the cover.
  const demo = sources.config.sources.serial.some((node) => node.simulator);
  return writeTrialReport(figures, {
    lang: request.lang,
    createdAt: now,
    demo,
    ...(request.fontPath ? { fontPath: request.fontPath } : {}),
  });
}
