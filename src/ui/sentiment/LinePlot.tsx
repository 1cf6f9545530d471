/**
 * A small SVG line plot for a handful of series with markers: the demo's reward, KL and
 * frontier charts (a frontier's x is KL, which need not grow monotonically, so a time-series
 * chart does not fit). Pure render: the README's frontier picture is this component
 * rendered to a string by tools/plot-sentiment.tsx, so colours are attributes (the light
 * theme) that the page's stylesheet overrides by class in dark mode.
 */
export interface PlotSeries {
  label: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface LinePlotProps {
  title: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  /** Extra points that fix the axes' extent (e.g. reward 0-1). */
  include?: [number, number][];
  /** Shown inside the empty axes while no series has a point: what will appear, and when. */
  empty?: string;
  width?: number;
  height?: number;
}

const MARGIN = { left: 52, right: 12, top: 28, bottom: 40 };

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

function extent(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  // A loop, not Math.min(...xs): a long run's curve would overflow the argument stack.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finite) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.abs(hi) * 0.1 || 0.5;
  // Nothing below 0 when nothing is (steps, KL 0 at the start, rewards, counts): an axis from 0 reads as a start.
  return [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
}

const format = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/** Every point of a short series for screen readers; a long one (a run's loss curve) as its ends and range. */
function describePoints(points: readonly (readonly [number, number])[]): string {
  const pair = ([x, y]: readonly [number, number]) => `(${format(x)}, ${format(y)})`;
  if (points.length <= 12) return points.map(pair).join(' ');
  const ys = points.map((p) => p[1]).filter(Number.isFinite);
  const lo = ys.reduce((a, b) => Math.min(a, b), Infinity);
  const hi = ys.reduce((a, b) => Math.max(a, b), -Infinity);
  return `${points.length} points from ${pair(points[0])} to ${pair(points[points.length - 1])}, y between ${format(lo)} and ${format(hi)}`;
}

export function LinePlot({ title, xLabel, yLabel, series, include = [], empty, width = 360, height = 240 }: LinePlotProps) {
  const all = [...series.flatMap((s) => s.points), ...include];
  const [x0, x1] = extent(all.map((p) => p[0]));
  const [y0, y1] = extent(all.map((p) => p[1]));
  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * innerW;
  const sy = (y: number) => MARGIN.top + innerH - ((y - y0) / (y1 - y0)) * innerH;
  const summary = series.map((s) => `${s.label}: ${describePoints(s.points)}`).join('; ');
  return (
    <svg
      className="line-plot"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      fontFamily="system-ui, sans-serif"
      role="img"
      aria-label={`${title}. ${summary || empty || 'no data yet'}`}
    >
      <rect className="plot-bg" x={0} y={0} width={width} height={height} fill="white" />
      <text className="plot-title" x={width / 2} y={16} textAnchor="middle" fontSize={13} fontWeight={600} fill="#222">
        {title}
      </text>
      {ticks(x0, x1).map((t) => (
        <g key={`x${t}`}>
          <line className="plot-grid" x1={sx(t)} x2={sx(t)} y1={MARGIN.top} y2={MARGIN.top + innerH} stroke="#eee" />
          <text className="plot-tick" x={sx(t)} y={MARGIN.top + innerH + 14} textAnchor="middle" fontSize={10} fill="#555">
            {format(t)}
          </text>
        </g>
      ))}
      {ticks(y0, y1).map((t) => (
        <g key={`y${t}`}>
          <line className="plot-grid" x1={MARGIN.left} x2={MARGIN.left + innerW} y1={sy(t)} y2={sy(t)} stroke="#eee" />
          <text className="plot-tick" x={MARGIN.left - 4} y={sy(t) + 3} textAnchor="end" fontSize={10} fill="#555">
            {format(t)}
          </text>
        </g>
      ))}
      <rect className="plot-frame" x={MARGIN.left} y={MARGIN.top} width={innerW} height={innerH} fill="none" stroke="#999" />
      <text className="plot-label" x={MARGIN.left + innerW / 2} y={height - 6} textAnchor="middle" fontSize={11} fill="#333">
        {xLabel}
      </text>
      <text
        className="plot-label"
        x={12}
        y={MARGIN.top + innerH / 2}
        textAnchor="middle"
        fontSize={11}
        fill="#333"
        transform={`rotate(-90 12 ${MARGIN.top + innerH / 2})`}
      >
        {yLabel}
      </text>
      {series.map((s) => {
        // A diverged run's last losses are NaN or infinite: they have no place on the axes.
        const drawn = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
        return (
          <g key={s.label}>
            <polyline
              fill="none"
              stroke={s.color}
              strokeWidth={2}
              strokeDasharray={s.dashed ? '5 4' : undefined}
              points={drawn.map(([x, y]) => `${sx(x)},${sy(y)}`).join(' ')}
            />
            {drawn.length <= 60 && drawn.map(([x, y], i) => <circle key={i} cx={sx(x)} cy={sy(y)} r={2.5} fill={s.color} />)}
          </g>
        );
      })}
      {series.map((s, i) => (
        <g key={`legend-${s.label}`} transform={`translate(${MARGIN.left + 8}, ${MARGIN.top + 12 + i * 14})`}>
          <line x1={0} x2={14} y1={-4} y2={-4} stroke={s.color} strokeWidth={2} strokeDasharray={s.dashed ? '4 3' : undefined} />
          <text className="plot-legend" x={18} y={0} fontSize={10} fill="#222">
            {s.label}
          </text>
        </g>
      ))}
      {empty && !series.some((s) => s.points.length > 0) && (
        <foreignObject x={MARGIN.left + 8} y={MARGIN.top + 8} width={innerW - 16} height={innerH - 16}>
          <p className="plot-empty-note">{empty}</p>
        </foreignObject>
      )}
    </svg>
  );
}

/** One color per β, in sweep order. */
export const SERIES_COLORS = ['#1f6feb', '#d73a49', '#2da44e', '#bf8700', '#8250df', '#0a7ea4'];

/** One series per β run, colored in sweep order, with the point coordinates `pick` chooses. */
export function betaSeries<P>(
  runs: readonly { beta: number; points: readonly P[]; diverged?: { step: number; metric: string } | null }[],
  pick: (point: P) => [number, number],
): PlotSeries[] {
  return runs.map((r, i) => ({
    label: r.diverged ? `β = ${r.beta} (diverged at step ${r.diverged.step}: ${r.diverged.metric})` : `β = ${r.beta}`,
    color: SERIES_COLORS[i % SERIES_COLORS.length],
    points: r.points.map(pick),
  }));
}
