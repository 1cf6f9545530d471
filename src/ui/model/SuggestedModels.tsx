import { useEffect } from 'react';
import { downloadFromHub, refreshSuggestionEstimates } from '../../client/model-actions';
import { formatBytes } from '../../core/format-bytes';
import { downloadBytes, formatParameterCount, SUGGESTED_MODELS } from '../../core/model/suggested-models';
import { useStore } from '../../state/store';

/**
 * Small instruction-tuned models that train in a browser, each with its size and what a LoRA
 * run would need at the current settings, one click from a download.
 */
export function SuggestedModels() {
  const settings = useStore((s) => s.settings);
  const ready = useStore((s) => s.model !== null);
  const memory = useStore((s) => s.suggestionMemory);
  const busy = useStore((s) => s.status !== 'idle');
  const downloading = useStore((s) => s.hubDownload);
  const loaded = useStore((s) => s.model?.hfName);
  // The four are one family, so one LoRA setup applies to all: the first answer says which.
  const targets = Object.values(memory)[0]?.estimate.input.lora?.targets;
  useEffect(() => {
    if (!ready) return;
    const timer = setTimeout(() => void refreshSuggestionEstimates(), 250);
    return () => clearTimeout(timer);
  }, [settings, ready]);
  return (
    <div className="suggested-models">
      <h3 id="suggested-title">Suggested models</h3>
      <small className="hint" id="suggested-hint" data-testid="suggested-hint">
        Memory for a LoRA run at batch {settings.batchSize} × length {settings.maxLength}, rank {settings.lora?.rank ?? 8}
        {targets && <> on {targets.join(', ')}</>}; downloaded from huggingface.co when you click, then cached.
      </small>
      <ul aria-labelledby="suggested-title" aria-describedby="suggested-hint" data-testid="suggested-models">
        {SUGGESTED_MODELS.map((m) => {
          const answer = memory[m.repo];
          const fits = answer && answer.problem === null;
          return (
            <li key={m.repo} data-testid={`suggested-${m.repo}`}>
              <div className="suggested-head">
                <strong>
                  {m.label}
                  {loaded === m.repo && <span className="loaded-mark"> (loaded)</span>}
                </strong>
                <button
                  type="button"
                  onClick={() => void downloadFromHub(m.repo, 'main')}
                  disabled={busy || downloading !== null}
                  aria-label={`Download ${m.label} (${formatBytes(downloadBytes(m))}) from huggingface.co`}
                  data-testid="suggested-download"
                >
                  {downloading === m.repo ? 'Downloading…' : 'Download'}
                </button>
              </div>
              <span className="suggested-meta">
                <code>{m.repo}</code> · <span data-testid="suggested-params">{formatParameterCount(m.parameters)} params</span> · {m.dtype},{' '}
                {formatBytes(downloadBytes(m))}
              </span>
              <span className={fits === false ? 'suggested-memory over' : 'suggested-memory'} data-testid="suggested-memory">
                {answer ? (
                  <>
                    LoRA run: ~{formatBytes(answer.estimate.totalBytes)}
                    {fits ? ' (fits the budget)' : ' (over the budget)'}
                  </>
                ) : (
                  'LoRA run: estimating…'
                )}
              </span>
              <small className="hint">{m.note}</small>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
