/**
 * The page layout every PDF report of the kit shares (the trial report, the AI inspection trial report): A4 pages set
 * in a Japanese font, headings, paragraphs, lists, tables that break across pages, images, and a footer with the kit
 * id and page numbers. Charts are drawn on it by ./charts.ts. Made with pdfkit on the Pi itself: no browser, no network.
 *
 * Use:
 * ```ts
 * const doc = openReport({ title: '試用報告書', kitId: 'kit-01', lang: 'ja' });
 * doc.heading('1. 概要');
 * doc.paragraph('…');
 * doc.table({ columns: [{ header: '設備', width: 2 }, { header: '稼働率', width: 1, align: 'right' }], rows: [['旋盤', '62 %']] });
 * const pdf = await doc.toBuffer();   // or doc.finish().pipe(stream)
 * ```
 * Everything is placed top to bottom at `doc.y`; a block that does not fit on the page starts a new one. Sizes are in
 * PDF points (1/72 inch; A4 is 595 × 842).
 */
import type { Readable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { findReportFonts } from './font.js';

export type ReportLang = 'ja' | 'en';

export interface ReportOptions {
  /** The document's title: in the PDF's properties and on the left of every footer. */
  title: string;
  /** The lending kit's id, on every footer, so a printed page can be traced to its kit. */
  kitId: string;
  lang: ReportLang;
  /** In the PDF's properties. */
  subject?: string;
  /** A font file instead of Noto Sans CJK JP (a single-face TTF or OTF). */
  fontPath?: string;
  /** The creation date in the PDF's properties (a test passes a fixed one). */
  createdAt?: Date;
  /** The left of every footer instead of "<title> · kit <id>". */
  footer?: string;
}

/** Colours shared by every report: the dashboard's andon colours and neutral inks. */
export const COLORS = {
  ink: '#111827',
  muted: '#4b5563',
  faint: '#9ca3af',
  grid: '#d1d5db',
  zebra: '#f3f4f6',
  headerFill: '#e5e7eb',
  accent: '#1d4ed8',
  run: '#15803d',
  idle: '#f2c200',
  off: '#d0211b',
  fault: '#9d174d',
  unknown: '#6b7280',
  noData: '#ffffff',
} as const;

export type TextAlign = 'left' | 'right' | 'center';

export interface TableColumn {
  header: string;
  /** Relative width: the columns share the content width in proportion. */
  width: number;
  align?: TextAlign;
}

/** A cell: plain text, or text with its own colour, background or weight (a "no data" cell in grey, say). */
export type TableCell = string | { text: string; color?: string; fill?: string; bold?: boolean };

export interface TableSpec {
  columns: TableColumn[];
  rows: TableCell[][];
  /** Default 9 pt. */
  fontSize?: number;
  /** Alternate row shading; default true. */
  zebra?: boolean;
}

export interface ImageOptions {
  /** Fit into this box (points), keeping the aspect ratio; default the content width × 240. */
  width?: number;
  height?: number;
  caption?: string;
  align?: TextAlign;
}

/** A picture for a row of figures: PNG bytes and the caption under it. */
export interface Figure {
  png: Buffer;
  caption: string;
}

export interface TextOptions {
  /** Font size in points; default 10. */
  size?: number;
  color?: string;
  /** Grey, for a side remark. */
  muted?: boolean;
  bold?: boolean;
  align?: TextAlign | 'justify';
  /** Space after the block; default a third of a line. */
  gapAfter?: number;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = { top: 50, bottom: 56, left: 50, right: 50 };
/** The footer's baseline area, inside the bottom margin. */
const FOOTER_Y = A4.height - 34;
const HEADING_SIZES = [0, 18, 13.5, 11.5] as const;

/** What the report modules draw on: the pdfkit document and the layout's cursor and geometry. */
export class ReportLayout {
  /** The pdfkit document, for drawing that the layout has no call for (charts.ts draws on it). */
  readonly pdf: PDFKit.PDFDocument;
  readonly lang: ReportLang;
  readonly left = MARGIN.left;
  readonly right = A4.width - MARGIN.right;
  readonly top = MARGIN.top;
  readonly bottom = A4.height - MARGIN.bottom;
  readonly width = A4.width - MARGIN.left - MARGIN.right;
  private readonly footer: string;
  private finished = false;

  constructor(options: ReportOptions) {
    const fonts = findReportFonts(options.fontPath);
    this.lang = options.lang;
    this.footer = options.footer ?? `${options.title} · ${options.lang === 'ja' ? 'キット' : 'kit'} ${options.kitId}`;
    this.pdf = new PDFDocument({
      size: 'A4',
      margins: MARGIN,
      // Kept in memory until the end so the footer can say "page 3 of 12".
      bufferPages: true,
      lang: options.lang === 'ja' ? 'ja-JP' : 'en',
      displayTitle: true,
      info: {
        Title: options.title,
        Subject: options.subject ?? '',
        Creator: 'Minotake',
        Producer: 'Minotake (pdfkit)',
        CreationDate: options.createdAt ?? new Date(),
      },
    });
    this.pdf.registerFont('regular', fonts.regular.path, fonts.regular.face as string);
    this.pdf.registerFont('bold', fonts.bold.path, fonts.bold.face as string);
    this.pdf.font('regular').fontSize(10).fillColor(COLORS.ink);
  }

  /** Where the next block starts. */
  get y(): number {
    return this.pdf.y;
  }

  set y(value: number) {
    this.pdf.y = value;
  }

  /** Pages so far. */
  get pageCount(): number {
    return this.pdf.bufferedPageRange().count;
  }

  /** Room left on this page, in points. */
  get room(): number {
    return this.bottom - this.pdf.y;
  }

  /** Starts a new page unless `height` points still fit on this one; true if it did. */
  ensureSpace(height: number): boolean {
    if (this.pdf.y + height <= this.bottom) return false;
    this.pageBreak();
    return true;
  }

  pageBreak(): void {
    this.pdf.addPage();
    this.pdf.x = this.left;
    this.pdf.y = this.top;
  }

  spacer(points: number): void {
    if (this.pdf.y + points > this.bottom) this.pageBreak();
    else this.pdf.y += points;
  }

  /** The document's title, large, with a subtitle under it and a rule: the top of the first page. */
  titleBlock(title: string, subtitle?: string): void {
    this.pdf.font('bold').fontSize(22).fillColor(COLORS.accent).text(title, this.left, this.pdf.y, { width: this.width });
    if (subtitle)
      this.pdf
        .font('regular')
        .fontSize(11)
        .fillColor(COLORS.muted)
        .text(subtitle, this.left, this.pdf.y + 4, { width: this.width });
    const lineY = this.pdf.y + 6;
    this.pdf.moveTo(this.left, lineY).lineTo(this.right, lineY).lineWidth(1.5).strokeColor(COLORS.accent).stroke();
    this.pdf.y = lineY + 12;
    this.resetText();
  }

  /**
   * A heading: level 1 for a chapter (starts a page when less than a quarter page is left), 2 and 3 below it.
   * `keepWith`: the height of what must follow on the same page (a row of figures), so a heading is never left alone.
   */
  heading(text: string, level: 1 | 2 | 3 = 1, keepWith = 0): void {
    const size = HEADING_SIZES[level];
    // A heading alone at the foot of a page reads as a mistake: keep room for it and a few lines after.
    this.ensureSpace((level === 1 ? 200 : size * 2 + 60) + keepWith);
    if (this.pdf.y > this.top) this.pdf.y += level === 1 ? 10 : 6;
    this.pdf
      .font('bold')
      .fontSize(size)
      .fillColor(level === 1 ? COLORS.accent : COLORS.ink);
    this.pdf.text(text, this.left, this.pdf.y, { width: this.width });
    if (level === 1) {
      const lineY = this.pdf.y + 2;
      this.pdf.moveTo(this.left, lineY).lineTo(this.right, lineY).lineWidth(1).strokeColor(COLORS.accent).stroke();
      this.pdf.y = lineY + 8;
    } else {
      this.pdf.y += 4;
    }
    this.resetText();
  }

  /** A paragraph across the content width; long text wraps (Japanese between characters) and flows to the next page. */
  paragraph(text: string, options: TextOptions = {}): void {
    const size = options.size ?? 10;
    this.pdf
      .font(options.bold ? 'bold' : 'regular')
      .fontSize(size)
      .fillColor(options.color ?? (options.muted ? COLORS.muted : COLORS.ink));
    this.ensureSpace(Math.min(this.heightOf(text, size, this.width), size * 3));
    this.pdf.text(text, this.left, this.pdf.y, { width: this.width, align: options.align ?? 'left', lineGap: size * 0.35 });
    this.pdf.y += options.gapAfter ?? size * 0.6;
    this.resetText();
  }

  /** Small grey text: a source, a caveat, a formula. */
  note(text: string): void {
    this.paragraph(text, { size: 8, color: COLORS.muted });
  }

  /** A bulleted list. */
  bullets(items: string[], options: { size?: number } = {}): void {
    const size = options.size ?? 10;
    const indent = size * 1.4;
    this.pdf.font('regular').fontSize(size).fillColor(COLORS.ink);
    for (const item of items) {
      this.ensureSpace(Math.min(this.heightOf(item, size, this.width - indent), size * 3));
      const y = this.pdf.y;
      this.pdf.text('•', this.left + size * 0.3, y, { width: indent, lineBreak: false });
      this.pdf.text(item, this.left + indent, y, { width: this.width - indent, lineGap: size * 0.3 });
      this.pdf.y += size * 0.35;
    }
    this.pdf.y += size * 0.3;
    this.resetText();
  }

  /** Label–value pairs in two columns (a cover page's facts). */
  keyValues(rows: [string, string][], options: { labelWidth?: number; size?: number } = {}): void {
    const size = options.size ?? 10;
    const labelWidth = options.labelWidth ?? this.width * 0.3;
    for (const [label, value] of rows) {
      const height = Math.max(this.heightOf(value, size, this.width - labelWidth), size * 1.2);
      this.ensureSpace(height + 4);
      const y = this.pdf.y;
      this.pdf
        .font('regular')
        .fontSize(size)
        .fillColor(COLORS.muted)
        .text(label, this.left, y, { width: labelWidth - 8 });
      this.pdf.fillColor(COLORS.ink).text(value, this.left + labelWidth, y, { width: this.width - labelWidth });
      this.pdf.y = y + height + 4;
    }
    this.pdf.y += 4;
    this.resetText();
  }

  /** A table across the content width; a row never splits, and the header row is repeated on every page it runs onto. */
  table(spec: TableSpec): void {
    const size = spec.fontSize ?? 9;
    const pad = 3;
    const total = spec.columns.reduce((sum, c) => sum + c.width, 0);
    const widths = spec.columns.map((c) => (c.width / total) * this.width);
    const cellText = (cell: TableCell) => (typeof cell === 'string' ? cell : cell.text);
    const rowHeight = (cells: TableCell[], bold: boolean) => {
      this.pdf.font(bold ? 'bold' : 'regular').fontSize(size);
      return (
        Math.max(...cells.map((cell, i) => this.pdf.heightOfString(cellText(cell) || ' ', { width: (widths[i] ?? 0) - 2 * pad }))) + 2 * pad
      );
    };
    const drawRow = (cells: TableCell[], header: boolean, shade: boolean) => {
      const height = rowHeight(cells, header);
      const y = this.pdf.y;
      let x = this.left;
      cells.forEach((cell, i) => {
        const w = widths[i] ?? 0;
        const styled = typeof cell === 'string' ? undefined : cell;
        const fill = header ? COLORS.headerFill : (styled?.fill ?? (shade ? COLORS.zebra : undefined));
        if (fill) this.pdf.rect(x, y, w, height).fill(fill);
        this.pdf
          .font(header || styled?.bold ? 'bold' : 'regular')
          .fontSize(size)
          .fillColor(styled?.color ?? COLORS.ink)
          .text(cellText(cell), x + pad, y + pad, { width: w - 2 * pad, align: spec.columns[i]?.align ?? 'left' });
        x += w;
      });
      this.pdf
        .moveTo(this.left, y + height)
        .lineTo(this.right, y + height)
        .lineWidth(header ? 0.8 : 0.3)
        .strokeColor(header ? COLORS.muted : COLORS.grid)
        .stroke();
      this.pdf.y = y + height;
    };
    const headerCells = spec.columns.map((c) => c.header);
    const headerHeight = rowHeight(headerCells, true);
    const firstHeight = spec.rows[0] ? rowHeight(spec.rows[0], false) : 0;
    this.ensureSpace(headerHeight + firstHeight);
    drawRow(headerCells, true, false);
    spec.rows.forEach((row, index) => {
      if (this.pdf.y + rowHeight(row, false) > this.bottom) {
        this.pageBreak();
        drawRow(headerCells, true, false);
      }
      drawRow(row, false, (spec.zebra ?? true) && index % 2 === 1);
    });
    this.pdf.y += 10;
    this.resetText();
  }

  /** An image (PNG or JPEG, a file or a buffer) fitted into a box, with an optional caption under it. */
  image(source: Buffer | string, options: ImageOptions = {}): void {
    const boxWidth = Math.min(options.width ?? this.width, this.width);
    const boxHeight = options.height ?? 240;
    const captionHeight = options.caption ? this.heightOf(options.caption, 8, boxWidth) + 4 : 0;
    this.ensureSpace(boxHeight + captionHeight + 6);
    const x =
      options.align === 'center' ? this.left + (this.width - boxWidth) / 2 : options.align === 'right' ? this.right - boxWidth : this.left;
    const y = this.pdf.y;
    this.pdf.image(source, x, y, { fit: [boxWidth, boxHeight], align: 'center', valign: 'center' });
    this.pdf.y = y + boxHeight + 3;
    if (options.caption) {
      this.pdf
        .font('regular')
        .fontSize(8)
        .fillColor(COLORS.muted)
        .text(options.caption, x, this.pdf.y, { width: boxWidth, align: 'center' });
    }
    this.pdf.y += 6;
    this.resetText();
  }

  /** Pictures side by side, `perRow` to a row (default all), each fitted into a square cell or `height`, captioned. */
  figures(figures: Figure[], options: { height?: number; perRow?: number } = {}): void {
    const perRow = options.perRow ?? Math.max(1, figures.length);
    const gap = 10;
    const cell = (this.width - gap * (perRow - 1)) / perRow;
    const height = Math.min(options.height ?? cell, cell);
    for (let start = 0; start < figures.length; start += perRow) {
      const row = figures.slice(start, start + perRow);
      const captionHeight = Math.max(...row.map((f) => this.heightOf(f.caption, 8, cell)));
      this.ensureSpace(height + captionHeight + 12);
      const y = this.pdf.y;
      row.forEach((figure, i) => {
        const x = this.left + i * (cell + gap);
        this.pdf.image(figure.png, x, y, { fit: [cell, height], align: 'center', valign: 'center' });
        this.pdf
          .font('regular')
          .fontSize(8)
          .fillColor(COLORS.muted)
          .text(figure.caption, x, y + height + 3, { width: cell, align: 'center' });
      });
      this.pdf.y = y + height + captionHeight + 10;
    }
    this.pdf.y += 4;
    this.resetText();
  }

  /** The height `text` takes at `size` in a column `width` wide, in the regular face. */
  heightOf(text: string, size: number, width: number): number {
    this.pdf.font('regular').fontSize(size);
    return this.pdf.heightOfString(text || ' ', { width, lineGap: size * 0.35 });
  }

  /** Puts the footers on, ends the document and hands back its bytes as a stream. Call once; nothing can be added after. */
  finish(): Readable {
    if (!this.finished) {
      this.finished = true;
      this.drawFooters();
      this.pdf.end();
    }
    return this.pdf;
  }

  /** The whole PDF in memory: a report is a few hundred KB. */
  async toBuffer(): Promise<Buffer> {
    const stream = this.finish();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private drawFooters(): void {
    const { start, count } = this.pdf.bufferedPageRange();
    for (let i = start; i < start + count; i++) {
      this.pdf.switchToPage(i);
      // Text below the bottom margin would make pdfkit start a page of its own: lift the margin while writing the footer.
      const margins = this.pdf.page.margins;
      const bottom = margins.bottom;
      margins.bottom = 0;
      const page = i - start + 1;
      const numbers = this.lang === 'ja' ? `${page} / ${count} ページ` : `Page ${page} of ${count}`;
      this.pdf
        .moveTo(this.left, FOOTER_Y - 6)
        .lineTo(this.right, FOOTER_Y - 6)
        .lineWidth(0.4)
        .strokeColor(COLORS.grid)
        .stroke();
      this.pdf.font('regular').fontSize(7.5).fillColor(COLORS.muted);
      this.pdf.text(this.footer, this.left, FOOTER_Y, {
        width: this.width * 0.7,
        lineBreak: false,
      });
      this.pdf.text(numbers, this.left + this.width * 0.7, FOOTER_Y, { width: this.width * 0.3, align: 'right', lineBreak: false });
      margins.bottom = bottom;
    }
  }

  private resetText(): void {
    this.pdf.font('regular').fontSize(10).fillColor(COLORS.ink);
    this.pdf.x = this.left;
  }
}

/** A new report: the first page is open, the cursor at its top. Throws ReportFontError when the Japanese font is missing. */
export function openReport(options: ReportOptions): ReportLayout {
  return new ReportLayout(options);
}
