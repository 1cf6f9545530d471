import { useStore } from '../state/store';

/**
 * The studio's path in three steps, each with where it stands now, so a newcomer sees what
 * to do first: the built-in model and the demo pairs are loaded, so Train works at once.
 */
export function StudioSteps() {
  const model = useStore((s) => s.model);
  const dataset = useStore((s) => s.dataset);
  const status = useStore((s) => s.status);
  const step = useStore((s) => s.step);
  const modelText = model ? (model.hfName ?? `built-in GPT-2 (${(model.parameters / 1e6).toFixed(2)}M parameters)`) : 'loading…';
  const dataText = dataset ? `${dataset.pairs} pairs from ${dataset.name}` : 'drop a file, paste rows or label samples';
  const trainText =
    status === 'idle' ? (step > 0 ? `trained ${step} steps; Train continues` : 'press Train; its key settings are beside it') : 'training: Stop keeps what it learned';
  return (
    <ol className="studio-steps" aria-label="Three steps">
      <li className={model ? 'done' : undefined}>
        <a href="#step-model">
          <span className="step-number" aria-hidden="true">
            1
          </span>
          <strong>Pick a model</strong>
          <span className="step-state">{modelText}</span>
        </a>
      </li>
      <li className={dataset ? 'done' : undefined}>
        <a href="#step-data">
          <span className="step-number" aria-hidden="true">
            2
          </span>
          <strong>Bring or make pairs</strong>
          <span className="step-state">{dataText}</span>
        </a>
      </li>
      <li className={step > 0 ? 'done' : undefined}>
        <a href="#step-train">
          <span className="step-number" aria-hidden="true">
            3
          </span>
          <strong>Train</strong>
          <span className="step-state">{trainText}</span>
        </a>
      </li>
    </ol>
  );
}
