/** A uPlot chart as a Preact component: rebuilt when its options change, fed new data, resized with its box. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartOptions } from './chartSetup';

interface Props {
  options: ChartOptions;
  data: uPlot.AlignedData;
  height: number;
  /** What the canvas shows, for screen readers. */
  label: string;
  caption?: ComponentChildren;
}

export function UPlotChart({ options, data, height, label, caption }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const u = new uPlot({ ...options, width: element.clientWidth || 320, height }, data, element);
    chart.current = u;
    // The tablet rotates and the phone is narrow: follow the box, not the window.
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0 && element.clientWidth !== u.width) u.setSize({ width: element.clientWidth, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, [options, height]);
  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);
  return (
    <figure class="chart">
      <div ref={box} class="chart-canvas" role="img" aria-label={label} />
      {caption && <figcaption>{caption}</figcaption>}
    </figure>
  );
}
