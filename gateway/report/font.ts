/** The Japanese font the PDF reports are set in: Noto Sans CJK from Debian's fonts-noto-cjk, found on disk or reported missing. */
import { existsSync } from 'node:fs';

/** Where Debian (and so Raspberry Pi OS) installs the package `fonts-noto-cjk`. */
export const NOTO_CJK_DIR = '/usr/share/fonts/opentype/noto';
export const NOTO_CJK_REGULAR = `${NOTO_CJK_DIR}/NotoSansCJK-Regular.ttc`;
export const NOTO_CJK_BOLD = `${NOTO_CJK_DIR}/NotoSansCJK-Bold.ttc`;

/** A .ttc holds the Japanese, Chinese and Korean cuts; these are the Japanese ones (the glyph shapes a Japanese reader expects). */
const JAPANESE_FACE = { regular: 'NotoSansCJKjp-Regular', bold: 'NotoSansCJKjp-Bold' } as const;

export interface ReportFont {
  /** A font file (TTF, OTF or TTC). */
  path: string;
  /** The face's PostScript name inside a collection (.ttc); absent for a single-face file. */
  face?: string;
}

export interface ReportFonts {
  regular: ReportFont;
  bold: ReportFont;
}

export class ReportFontError extends Error {
  readonly code = 'REPORT_FONT_MISSING';
  constructor(
    readonly path: string,
    readonly messageJa: string,
  ) {
    super(`The Japanese font for PDF reports is missing (${path}). Install it with: sudo apt-get install fonts-noto-cjk`);
    this.name = 'ReportFontError';
  }
}

/**
 * The fonts to set a report in: the given file, or Noto Sans CJK JP. Bold falls back to regular when only the regular
 * file is there (a hand-copied font), since a report in one weight is better than none.
 */
export function findReportFonts(fontPath?: string): ReportFonts {
  const path = fontPath ?? NOTO_CJK_REGULAR;
  if (!existsSync(path)) {
    throw new ReportFontError(
      path,
      `PDF レポート用の日本語フォントがありません（${path}）。次のコマンドで入れてください: sudo apt-get install fonts-noto-cjk`,
    );
  }
  if (fontPath) return { regular: { path }, bold: { path } };
  const regular = { path, face: JAPANESE_FACE.regular };
  return { regular, bold: existsSync(NOTO_CJK_BOLD) ? { path: NOTO_CJK_BOLD, face: JAPANESE_FACE.bold } : regular };
}
