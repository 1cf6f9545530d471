import { useState, type ChangeEvent, type FormEvent } from 'react';
import { cancelHubDownload, downloadFromHub, loadHfFolder } from '../../client/model-actions';
import { useStore } from '../../state/store';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * A Hugging Face GPT-2 (gpt2, distilgpt2, any GPT2LMHeadModel): from a folder on disk, or
 * downloaded from the Hub on request (the app's only network access) and cached.
 */
export function HfModelLoader() {
  const busy = useStore((s) => s.status !== 'idle');
  const progress = useStore((s) => s.hubProgress);
  const [repo, setRepo] = useState('openai-community/gpt2');
  const [revision, setRevision] = useState('main');
  const onFolder = (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    if (files.length > 0) void loadHfFolder(files);
    event.target.value = '';
  };
  const onDownload = (event: FormEvent) => {
    event.preventDefault();
    void downloadFromHub(repo, revision);
  };
  const percent = progress?.total ? Math.round((100 * progress.loaded) / progress.total) : null;
  return (
    <div className="hf-loader">
      <h3>Hugging Face GPT-2</h3>
      <div className="row">
        <label className="button-like">
          Open a model folder
          <input
            type="file"
            multiple
            // Chrome picks whole folders with webkitdirectory (not in React's types).
            {...{ webkitdirectory: '' }}
            data-testid="hf-folder-input"
            onChange={onFolder}
            disabled={busy}
            className="visually-hidden"
          />
        </label>
        <label className="button-like">
          …or its files
          <input type="file" multiple data-testid="hf-files-input" onChange={onFolder} disabled={busy} className="visually-hidden" />
        </label>
      </div>
      <small className="hint">config.json, model.safetensors (or shards + index), tokenizer.json; F32, F16 or BF16.</small>
      <form className="row" onSubmit={onDownload} aria-label="Download from the Hugging Face Hub">
        <label className="field">
          <span>Hub repo</span>
          <input value={repo} onChange={(e) => setRepo(e.target.value)} data-testid="hub-repo" spellCheck={false} />
        </label>
        <label className="field narrow">
          <span>Revision</span>
          <input value={revision} onChange={(e) => setRevision(e.target.value)} data-testid="hub-revision" spellCheck={false} />
        </label>
        <button type="submit" disabled={busy || progress !== null} data-testid="hub-download">
          Download
        </button>
      </form>
      <small className="hint">Fetches from huggingface.co only when you press Download; files are cached in this browser.</small>
      {progress && (
        <div className="hub-progress" role="status" aria-live="polite">
          <progress max={100} value={percent ?? undefined} aria-label="Download progress" />
          <span data-testid="hub-progress-text">
            {progress.file}
            {progress.fromCache ? ' (from cache)' : ''}: {mb(progress.loaded)}
            {progress.total ? ` of ${mb(progress.total)}` : ''}
          </span>
          <button type="button" onClick={() => void cancelHubDownload()}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}
