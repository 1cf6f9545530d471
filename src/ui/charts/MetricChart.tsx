import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { useShallow } from 'zustand/react/shallow';
import 'uplot/dist/uPlot.min.css';
import { useStore } from '../../state/store';
import { ChartFeed, type ChartSeries } from './chart-data';
import { chartColors, useColorScheme } from './chart-theme';

const HEIGHT = 150;

/**
 * One live chart. React does not re-render per point (the store bumps a version per flush),
 * and uPlot gets a few points per pixel however long the run (ChartFeed), so a redraw costs
 * the same at step 100 and at step 100,000. Before its first point the chart shows `empty`:
 * what will appear there, and when.
 */
export function MetricChart({ title, testId, series, empty }: { title: string; testId: string; series: ChartSeries[]; empty: string }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const feed = useRef<ChartFeed | null>(null);
  const scheme = useColorScheme();
  const version = useStore((s) => s.metricsVersion);
  const points = useStore((s) => s.metricSteps.length);
  const waiting = useStore((s) => s.status !== 'idle' && s.status !== 'starting');
  const latest = useStore(useShallow((s) => series.map((c) => (c.source === 'eval' ? s.evalSeries : s.metricSeries)[c.metric].at(-1))));

  useEffect(() => {
    const element = container.current!;
    const { axis, grid } = chartColors();
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: HEIGHT,
      legend: { show: series.length > 1, live: false },
      scales: { x: { time: false } },
      axes: [{ label: 'step', ...axisStyle }, axisStyle],
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
    chart.setData(feed.current.columns(useStore.getState(), chart.width));
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [series, scheme]);

  useEffect(() => {
    const chart = plot.current;
    if (chart && feed.current) chart.setData(feed.current.columns(useStore.getState(), chart.width));
  }, [version, series]);

  const summary = series.map((c, i) => `${c.label} ${latest[i] === undefined || !Number.isFinite(latest[i]) ? '—' : latest[i]!.toFixed(4)}`).join(', ');
  return (
    <figure className={points === 0 ? 'chart chart-empty' : 'chart'} data-testid={testId} data-points={points} aria-label={`${title}: ${points === 0 ? empty : summary}`}>
      <figcaption>
        <span>{title}</span> <span className="latest">{points === 0 ? '' : summary}</span>
      </figcaption>
      <div ref={container} className="chart-canvas" />
      {points === 0 && (
        <p className="chart-empty-note" data-testid={`${testId}-empty`}>
          {waiting ? 'Waiting for the first step. ' : ''}
          {empty}
        </p>
      )}
    </figure>
  );
}
