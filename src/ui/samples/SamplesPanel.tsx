import { useStore } from '../../state/store';

/** The policy's completions beside the reference's for the same prompts, every N steps. */
export function SamplesPanel() {
  const samples = useStore((s) => s.samples);
  const sampleEvery = useStore((s) => s.settings.sampleEvery);
  return (
    <section className="panel" aria-labelledby="samples-title" data-testid="samples">
      <h2 id="samples-title">Samples{samples && <> at step {samples.step}</>}</h2>
      {!samples ? (
        <p className="hint">{sampleEvery > 0 ? `Completions appear every ${sampleEvery} steps.` : 'Set “Sample every N steps” to see the policy beside the reference.'}</p>
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
