import { useStore } from '../../state/store';

/** The latest policy samples beside the SFT model's for the same held-out prompts, each with its reward. */
export function DemoSamples() {
  const sft = useStore((s) => s.demoSftSamples);
  const runs = useStore((s) => s.demoRuns);
  const latest = [...runs].reverse().find((r) => r.samples.length > 0);
  if (sft.length === 0) return null;
  const step = latest?.points.at(-1)?.step ?? 0;
  return (
    <section className="demo-samples" aria-label="Sample completions">
      <h3>Samples on held-out prompts{latest ? ` — β = ${latest.beta}, step ${step}` : ''}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Prompt</th>
            <th scope="col">SFT model</th>
            <th scope="col">{latest ? `Policy (β = ${latest.beta})` : 'Policy'}</th>
          </tr>
        </thead>
        <tbody>
          {sft.map((s, i) => {
            const policy = latest?.samples[i];
            return (
              <tr key={i}>
                <td>{s.prompt}</td>
                <td>
                  {s.completion} <span className="reward">r = {s.reward.toFixed(2)}</span>
                </td>
                <td>
                  {policy ? (
                    <>
                      {policy.completion} <span className="reward">r = {policy.reward.toFixed(2)}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
