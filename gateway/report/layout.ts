/**
 * The kit's shared PDF layout (pdfkit): A4 pages with the Japanese font from Debian's fonts-noto-cjk, a title block,
 * headings, paragraphs, key–value lists, tables, rows of images with captions, and a footer with page numbers. The trial
 * report and the inspection report are both written with it, so they look like one product.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';

export const NOTO_CJK_REGULAR = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
export const NOTO_CJK_BOLD = '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc';

export class ReportFontMissing extends Error {
  readonly code = 'REPORT_FONT_MISSING';
  readonly messageJa = `日本語フォントがありません。sudo apt-get install fonts-noto-cjk を実行してください（${NOTO_CJK_REGULAR}）`;
  constructor() {
    super(`the Japanese font is missing: run sudo apt-get install fonts-noto-cjk (${NOTO_CJK_REGULAR})`);
  }
}

export interface ReportMeta {
  title: string;
  subtitle?: string;
  /** Left of the footer on every page, e.g. the site and kit. */
  footer: string;
  /** The PDF's metadata. */
  author?: string;
}

export interface TableColumn {
  header: string;
  /** Share of the text width (the shares of a table add up to 1). */
  width: number;
  align?: 'left' | 'right' | 'center';
}

export interface Figure {
  png: Buffer;
  caption: string;
}

const COLOURS = { text: '#1f2328', muted: '#57606a', rule: '#d0d7de', band: '#f2f4f7', accent: '#0b5cad' };

export class Report {
  readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(private readonly meta: ReportMeta) {
    if (!existsSync(NOTO_CJK_REGULAR)) throw new ReportFontMissing();
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: 56, bottom: 64, left: 56, right: 56 },
      bufferPages: true,
      info: { Title: meta.title, Author: meta.author ?? 'Minotake', Creator: 'Minotake' },
    });
    this.doc.registerFont('body', NOTO_CJK_REGULAR, 'NotoSansCJKjp-Regular');
    this.doc.registerFont(
      'bold',
      existsSync(NOTO_CJK_BOLD) ? NOTO_CJK_BOLD : NOTO_CJK_REGULAR,
      existsSync(NOTO_CJK_BOLD) ? 'NotoSansCJKjp-Bold' : 'NotoSansCJKjp-Regular',
    );
    this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.done = new Promise((resolve, reject) => {
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
    this.titleBlock();
  }

  get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  private get left(): number {
    return this.doc.page.margins.left;
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  private titleBlock(): void {
    const { doc } = this;
    doc.font('bold').fontSize(20).fillColor(COLOURS.text).text(this.meta.title, { width: this.width });
    if (this.meta.subtitle)
      doc.moveDown(0.2).font('body').fontSize(10.5).fillColor(COLOURS.muted).text(this.meta.subtitle, { width: this.width });
    doc.moveDown(0.4);
    this.rule(COLOURS.accent, 1.5);
    doc.moveDown(0.6);
  }

  private rule(colour = COLOURS.rule, width = 0.5): void {
    const y = this.doc.y;
    this.doc
      .save()
      .moveTo(this.left, y)
      .lineTo(this.left + this.width, y)
      .lineWidth(width)
      .strokeColor(colour)
      .stroke()
      .restore();
  }

  /** Starts a new page when fewer than `height` points are left on this one. */
  ensureSpace(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  newPage(): void {
    this.doc.addPage();
  }

  /** `keepWith`: the height of what must follow on the same page (a row of figures), so a heading is never left alone. */
  heading(text: string, level: 1 | 2 = 1, keepWith = 0): void {
    this.ensureSpace((level === 1 ? 80 : 50) + keepWith);
    const { doc } = this;
    doc.moveDown(level === 1 ? 0.8 : 0.5);
    doc.x = this.left;
    doc
      .font('bold')
      .fontSize(level === 1 ? 14 : 11.5)
      .fillColor(level === 1 ? COLOURS.accent : COLOURS.text)
      .text(text, { width: this.width });
    if (level === 1) {
      doc.moveDown(0.15);
      this.rule();
    }
    doc.moveDown(0.35);
  }

  paragraph(text: string, options: { size?: number; muted?: boolean } = {}): void {
    const { doc } = this;
    doc.x = this.left;
    doc
      .font('body')
      .fontSize(options.size ?? 10)
      .fillColor(options.muted ? COLOURS.muted : COLOURS.text)
      .text(text, { width: this.width, lineGap: 2.5 });
    doc.moveDown(0.4);
  }

  bullets(items: string[], options: { size?: number } = {}): void {
    const { doc } = this;
    for (const item of items) {
      this.ensureSpace(20);
      const y = doc.y;
      doc
        .font('body')
        .fontSize(options.size ?? 10)
        .fillColor(COLOURS.text);
      doc.text('・', this.left, y, { width: 14 });
      doc.text(item, this.left + 14, y, { width: this.width - 14, lineGap: 2.5 });
      doc.moveDown(0.2);
    }
    doc.x = this.left;
    doc.moveDown(0.3);
  }

  /** Label–value pairs in two columns, for "what was given" blocks. */
  keyValues(rows: [string, string][]): void {
    this.table(
      [
        { header: '', width: 0.32 },
        { header: '', width: 0.68 },
      ],
      rows,
      { headerless: true },
    );
  }

  table(columns: TableColumn[], rows: string[][], options: { headerless?: boolean; size?: number } = {}): void {
    const { doc } = this;
    const size = options.size ?? 9.5;
    const pad = 4;
    const widths = columns.map((c) => c.width * this.width);
    const rowHeight = (cells: string[], font: string) => {
      doc.font(font).fontSize(size);
      return Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: (widths[i] as number) - 2 * pad }))) + 2 * pad;
    };
    const drawRow = (cells: string[], font: string, band: boolean) => {
      const height = rowHeight(cells, font);
      if (doc.y + height > this.bottom) doc.addPage();
      const y = doc.y;
      if (band) doc.save().rect(this.left, y, this.width, height).fill(COLOURS.band).restore();
      let x = this.left;
      cells.forEach((cell, i) => {
        doc
          .font(font)
          .fontSize(size)
          .fillColor(COLOURS.text)
          .text(cell, x + pad, y + pad, { width: (widths[i] as number) - 2 * pad, align: columns[i]?.align ?? 'left' });
        x += widths[i] as number;
      });
      doc.y = y + height;
      this.rule();
    };
    if (!options.headerless)
      drawRow(
        columns.map((c) => c.header),
        'bold',
        true,
      );
    else this.rule();
    for (const row of rows) drawRow(row, 'body', false);
    doc.x = this.left;
    doc.moveDown(0.6);
  }

  /** Images side by side, each scaled to `height` points high (or narrower to fit), with a caption below each. */
  figures(figures: Figure[], options: { height?: number; perRow?: number } = {}): void {
    const { doc } = this;
    const perRow = options.perRow ?? Math.max(1, figures.length);
    const gap = 10;
    const cell = (this.width - gap * (perRow - 1)) / perRow;
    const height = Math.min(options.height ?? cell, cell);
    for (let start = 0; start < figures.length; start += perRow) {
      const row = figures.slice(start, start + perRow);
      doc.font('body').fontSize(8);
      const captionHeight = Math.max(...row.map((f) => doc.heightOfString(f.caption, { width: cell })));
      this.ensureSpace(height + captionHeight + 12);
      const y = doc.y;
      row.forEach((figure, i) => {
        const x = this.left + i * (cell + gap);
        doc.image(figure.png, x, y, { fit: [cell, height], align: 'center', valign: 'center' });
        doc
          .font('body')
          .fontSize(8)
          .fillColor(COLOURS.muted)
          .text(figure.caption, x, y + height + 3, { width: cell, align: 'center' });
      });
      doc.x = this.left;
      doc.y = y + height + captionHeight + 10;
    }
    doc.moveDown(0.3);
  }

  /** Writes the footer (left text, "page n / N") on every page and returns the finished PDF. */
  async finish(): Promise<Buffer> {
    const { doc } = this;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const y = doc.page.height - doc.page.margins.bottom + 24;
      // Writing inside the bottom margin must not start a new page.
      const margin = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc.font('body').fontSize(8).fillColor(COLOURS.muted);
      doc.text(this.meta.footer, this.left, y, { width: this.width * 0.75, lineBreak: false });
      doc.text(`${i + 1} / ${range.count}`, this.left, y, { width: this.width, align: 'right', lineBreak: false });
      doc.page.margins.bottom = margin;
    }
    doc.end();
    return this.done;
  }
}
