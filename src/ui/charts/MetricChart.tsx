import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { useShallow } from 'zustand/react/shallow';
import 'uplot/dist/uPlot.min.css';
import { useStore } from '../../state/store';
import { ChartFeed, type ChartSeries } from './chart-data';

/**
 * One live chart. React does not re-render per point (the store bumps a version per flush),
 * and uPlot gets a few points per pixel however long the run (ChartFeed), so a redraw costs
 * the same at step 100 and at step 100,000.
 */
export function MetricChart({ title, testId, series }: { title: string; testId: string; series: ChartSeries[] }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const feed = useRef<ChartFeed | null>(null);
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
    feed.current = new ChartFeed(series);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height: 170 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [series]);

  useEffect(() => {
    const chart = plot.current;
    if (chart && feed.current) chart.setData(feed.current.columns(useStore.getState(), chart.width));
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
