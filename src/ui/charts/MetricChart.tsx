import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { useShallow } from 'zustand/react/shallow';
import 'uplot/dist/uPlot.min.css';
import { useStore } from '../../state/store';
import { chartColumns, type ChartSeries } from './chart-data';

/**
 * One live chart. uPlot is built for streaming series: setData redraws 10,000+ points in a
 * few milliseconds, and React does not re-render per point (the store bumps a version).
 */
export function MetricChart({ title, testId, series }: { title: string; testId: string; series: ChartSeries[] }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const version = useStore((s) => s.metricsVersion);
  const points = useStore((s) => s.metricSteps.length);
  const latest = useStore(useShallow((s) => series.map((c) => (c.source === 'eval' ? s.evalSeries : s.metricSeries)[c.metric].at(-1))));

  useEffect(() => {
    const element = container.current!;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: 170,
      legend: { show: series.length > 1, live: false },
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, {}],
      series: [
        { label: 'step' },
        ...series.map((c) =>
          c.source === 'eval'
            ? { label: c.label, stroke: c.color, width: 1.5, dash: [6, 4], spanGaps: true, points: { show: true, size: 6 } }
            : { label: c.label, stroke: c.color, width: 1.5, spanGaps: true, points: { show: false } },
        ),
      ],
    };
    const chart = new uPlot(options, [[], ...series.map(() => [])], element);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height: 170 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [series]);

  useEffect(() => {
    plot.current?.setData(chartColumns(series, useStore.getState()));
  }, [version, series]);

  const summary = series.map((c, i) => `${c.label} ${latest[i] === undefined || !Number.isFinite(latest[i]) ? '—' : latest[i]!.toFixed(4)}`).join(', ');
  return (
    <figure className="chart" data-testid={testId} data-points={points} aria-label={`${title}: ${summary}`}>
      <figcaption>
        <span>{title}</span> <span className="latest">{summary}</span>
      </figcaption>
      <div ref={container} className="chart-canvas" />
    </figure>
  );
}
