import { useEffect, useState } from 'react';
import type { DatasetStats, Histogram } from '../../core/data/dataset-stats';
import { describeActiveDataset } from '../../client/dataset-actions';
import { useStore } from '../../state/store';

function Bars({ label, histogram }: { label: string; histogram: Histogram }) {
  const max = Math.max(...histogram.counts, 1);
  const names = [...histogram.bounds.map((b) => `≤${b}`), `>${histogram.bounds.at(-1)}`];
  const summary = histogram.counts.map((c, i) => (c > 0 ? `${names[i]}: ${c}` : '')).filter(Boolean).join(', ');
  return (
    <figure className="histogram" aria-label={`${label} length in tokens: ${summary}`}>
      <figcaption>{label}</figcaption>
      <div className="bars">
        {histogram.counts.map((c, i) => (
          <span key={i} title={`${names[i]} tokens: ${c}`} style={{ height: `${(100 * c) / max}%` }} />
        ))}
      </div>
    </figure>
  );
}

/** Token-length histograms and what the current length limits will cut. */
export function DatasetStatsView() {
  const version = useStore((s) => s.dataset?.version);
  const maxLength = useStore((s) => s.settings.maxLength);
  const maxPromptLength = useStore((s) => s.settings.maxPromptLength);
  const [stats, setStats] = useState<DatasetStats | null>(null);
  useEffect(() => {
    if (version === undefined || !(maxLength > 0) || !(maxPromptLength >= 0)) return;
    let current = true;
    describeActiveDataset(maxLength, maxPromptLength).then((s) => current && setStats(s), () => undefined);
    return () => {
      current = false;
    };
  }, [version, maxLength, maxPromptLength]);
  if (!stats) return null;
  return (
    <div className="dataset-stats" data-testid="dataset-stats">
      <div className="histograms">
        <Bars label="prompt" histogram={stats.histograms.prompt} />
        <Bars label="chosen" histogram={stats.histograms.chosen} />
        <Bars label="rejected" histogram={stats.histograms.rejected} />
      </div>
      <p>
        At max length {maxLength}: <span data-testid="stats-dropped">{stats.promptsDropped}</span> pairs whose prompt alone fills it are dropped,{' '}
        <span data-testid="stats-truncated">{stats.completionsTruncated}</span> have a completion cut,{' '}
        {stats.promptsTruncated} prompts are cut to {maxPromptLength} tokens · <span data-testid="stats-duplicates">{stats.duplicates}</span> duplicates ·{' '}
        {stats.identical} with identical chosen and rejected
      </p>
    </div>
  );
}
