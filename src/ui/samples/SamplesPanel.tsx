import { useStore } from '../../state/store';

/** The policy's completions beside the reference's for the same prompts, every N steps. */
export function SamplesPanel() {
  const samples = useStore((s) => s.samples);
  const sampleEvery = useStore((s) => s.settings.sampleEvery);
  const step = useStore((s) => Math.max(s.step, s.metricSteps[s.metricSteps.length - 1] ?? 0));
  const running = useStore((s) => s.status !== 'idle' && s.status !== 'starting');
  // Samples are taken at multiples of N: the first one the run will reach.
  const next = sampleEvery > 0 ? (Math.floor(step / sampleEvery) + 1) * sampleEvery : 0;
  return (
    <section className="panel" aria-labelledby="samples-title" data-testid="samples">
      <h2 id="samples-title">Samples{samples && <> at step {samples.step}</>}</h2>
      {!samples ? (
        <p className="hint" data-testid="samples-empty">
          {sampleEvery > 0
            ? `The first samples come at step ${next}${running ? ` (${next - step} steps from now)` : ' of a run'}: the policy's completions of three held-out prompts beside the reference's, then every ${sampleEvery} steps.`
            : 'No samples: set “Sample every N steps” (advanced settings) to see the policy’s completions beside the reference’s.'}
        </p>
      ) : (
        <table className="samples-table">
          <thead>
            <tr>
              <th scope="col">prompt</th>
              <th scope="col">policy</th>
              <th scope="col">reference</th>
            </tr>
          </thead>
          <tbody>
            {samples.rows.map((row, i) => (
              <tr key={i}>
                <td>{row.prompt}</td>
                <td data-testid="sample-policy">{row.policy}</td>
                <td data-testid="sample-reference">{row.reference ?? '— (reference-free)'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
