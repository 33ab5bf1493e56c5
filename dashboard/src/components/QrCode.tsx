/** A QR code drawn as inline SVG from qrcode-generator's modules: no image service, no network, crisp at any size. */

import { useMemo } from 'preact/hooks';
import qrcode from 'qrcode-generator';

const QUIET = 4;

export function QrCode({ text, label, size = 240 }: { text: string; label: string; size?: number }) {
  const { path, extent } = useMemo(() => {
    const qr = qrcode(0, 'M');
    // URL.href is plain ASCII, which is what the byte mode's default encoder expects.
    qr.addData(text, 'Byte');
    qr.make();
    const count = qr.getModuleCount();
    let d = '';
    for (let row = 0; row < count; row++)
      for (let col = 0; col < count; col++) if (qr.isDark(row, col)) d += `M${col + QUIET} ${row + QUIET}h1v1h-1z`;
    return { path: d, extent: count + 2 * QUIET };
  }, [text]);
  return (
    <svg
      class="qr"
      width={size}
      height={size}
      viewBox={`0 0 ${extent} ${extent}`}
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
    >
      <rect width={extent} height={extent} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
