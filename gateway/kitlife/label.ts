/** The one-page label printed at init and stuck on the kit: kit id, company, dashboard address and the wall tablet's kiosk QR. */
import qrcode from 'qrcode-generator';

export interface LabelFacts {
  kitId: string;
  company: string;
  dashboardUrl: string;
  kioskUrl: string;
  caFingerprint?: string;
  /** YYYY-MM-DD, when the kit was prepared. */
  preparedOn: string;
}

const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The QR code as inline SVG: the page needs no image file and no network. */
export function qrSvg(data: string, sizeMm: number): string {
  const qr = qrcode(0, 'M');
  qr.addData(data, 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  const quiet = 4;
  let d = '';
  for (let row = 0; row < count; row++)
    for (let col = 0; col < count; col++) if (qr.isDark(row, col)) d += `M${col + quiet} ${row + quiet}h1v1h-1z`;
  const extent = count + 2 * quiet;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${sizeMm}mm" height="${sizeMm}mm" viewBox="0 0 ${extent} ${extent}" shape-rendering="crispEdges"><rect width="${extent}" height="${extent}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}

export function labelHtml(f: LabelFacts): string {
  return `<!doctype html>
<html lang="ja">
<meta charset="utf-8">
<title>Minotake ${html(f.kitId)}</title>
<style>
  @page { size: A4; margin: 15mm; }
  body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; color: #111; margin: 0; }
  .label { border: 0.6mm solid #111; border-radius: 4mm; padding: 8mm; width: 170mm; box-sizing: border-box; }
  h1 { font-size: 20pt; margin: 0 0 2mm; }
  .id { font-size: 34pt; font-weight: 700; letter-spacing: 0.05em; margin: 0 0 4mm; font-family: monospace; }
  .row { display: flex; gap: 8mm; align-items: flex-start; }
  dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2mm 5mm; font-size: 11pt; }
  dt { font-weight: 700; }
  dd { margin: 0; overflow-wrap: anywhere; }
  .qr { text-align: center; font-size: 9pt; }
  .note { font-size: 9pt; margin-top: 5mm; line-height: 1.5; }
  code { font-size: 9pt; }
  .url { font-size: 13pt; font-weight: 700; }
</style>
<div class="label">
  <h1>身の丈IoTキット / Minotake kit</h1>
  <p class="id">${html(f.kitId)}</p>
  <div class="row">
    <dl>
      <dt>貸出先<br><small>Borrower</small></dt><dd>${html(f.company)}</dd>
      <dt>ダッシュボード<br><small>Dashboard</small></dt><dd><code class="url">${html(f.dashboardUrl)}</code></dd>
      <dt>準備日<br><small>Prepared</small></dt><dd>${html(f.preparedOn)}</dd>
      ${f.caFingerprint ? `<dt>証明書 (SHA-256)<br><small>Certificate</small></dt><dd><code>${html(f.caFingerprint)}</code></dd>` : ''}
    </dl>
    <div class="qr">${qrSvg(f.kioskUrl, 50)}<br>壁掛けタブレット用（閲覧のみ）<br>Wall tablet (view only)</div>
  </div>
  <p class="note">
    QR コードをタブレットのカメラで読むと、ログインなしで現場画面が開きます（閲覧のみ）。ラベルをなくしたら管理画面で
    キオスクリンクを無効にしてください。返却時にはキットのデータをすべて消去します。<br>
    Scan the QR code with the tablet's camera to open the shop-floor view without a login (view only). If this label is lost,
    revoke the kiosk link on the admin page. All of the kit's data is wiped when it is returned.
  </p>
</div>
</html>
`;
}
