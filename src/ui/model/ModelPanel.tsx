import { formatParameterCount } from '../../core/model/suggested-models';
import { useStore } from '../../state/store';
import { SuggestedModels } from './SuggestedModels';

/**
 * Step 1: the model now loaded, then the suggested models one click away. Every other source
 * (built-in sizes, any Hub repo, a folder, trained weights) is in MoreModels, further down.
 */
export function ModelPanel() {
  const model = useStore((s) => s.model);
  return (
    <section className="panel step-panel" aria-labelledby="model-title" id="step-model">
      <h2 id="model-title">
        <span className="step-number" aria-hidden="true">
          1
        </span>
        Pick a model
      </h2>
      {model ? (
        <>
          <p className="model-type" data-testid="model-type">
            {model.modelType} · {formatParameterCount(model.parameters)} params · {model.dtype}
          </p>
          <p className="model-info" data-testid="model-source">
            {model.hfName ? <>Hugging Face {model.hfName}: </> : 'GPT-2 architecture, '}
            {(model.parameters / 1e6).toFixed(2)}M parameters ({model.nLayer} layers, d={model.nEmbd}, context {model.nPositions}); tokenizer{' '}
            {model.tokenizer}; weights: {model.source}
            {model.step > 0 && <>, trained {model.step} steps</>}
          </p>
        </>
      ) : (
        <p className="muted">Starting the training worker…</p>
      )}
      <SuggestedModels />
      <p className="hint">
        <a href="#more-models">More models</a>: the built-in model&apos;s sizes, any Hub repo, a folder on disk, or weights you exported.
      </p>
    </section>
  );
}
