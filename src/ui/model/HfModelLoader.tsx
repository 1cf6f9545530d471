import { useState, type ChangeEvent, type FormEvent } from 'react';
import { cancelHubDownload, downloadFromHub, loadHfFolder } from '../../client/model-actions';
import { hubToken, setHubToken } from '../../client/hub-token';
import { useStore } from '../../state/store';
import { formatBytes } from '../../core/format-bytes';


/**
 * A Hugging Face model of a supported family (GPT-2, Llama, Qwen2, Qwen3): a suggested one,
 * a folder on disk, or any Hub repo downloaded on request (the app's only network access)
 * and cached. Gated repos take an access token, kept in memory for this page only.
 */
export function HfModelLoader() {
  const busy = useStore((s) => s.status !== 'idle');
  const progress = useStore((s) => s.hubProgress);
  const downloading = useStore((s) => s.hubDownload);
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
      <h3>Any Hugging Face Hub repo</h3>
      <form className="row hub-form" onSubmit={onDownload} aria-label="Download from the Hugging Face Hub">
        <label className="field">
          <span>Hub repo</span>
          <input value={repo} onChange={(e) => setRepo(e.target.value)} data-testid="hub-repo" spellCheck={false} autoComplete="off" />
        </label>
        <label className="field narrow">
          <span>Revision</span>
          <input value={revision} onChange={(e) => setRevision(e.target.value)} data-testid="hub-revision" spellCheck={false} autoComplete="off" />
        </label>
        <button type="submit" disabled={busy || downloading !== null} data-testid="hub-download">
          Download
        </button>
      </form>
      <HubTokenField />
      <small className="hint">
        GPT-2, Llama, Qwen2 and Qwen3 checkpoints in safetensors. Fetches from huggingface.co only when you press Download; files are cached in this browser.
      </small>
      <div className="hub-status" role="status" aria-live="polite" data-testid="hub-status">
        {downloading && !progress && `Starting the download of ${downloading}…`}
        {progress && `Downloading ${downloading ?? 'the model'}: ${progress.file}${progress.fromCache ? ' (from cache)' : ''}`}
      </div>
      {progress && (
        <div className="hub-progress">
          <progress max={100} value={percent ?? undefined} aria-label="Download progress" aria-valuetext={percent === null ? undefined : `${percent}%`} />
          <span data-testid="hub-progress-text">
            {progress.file}
            {progress.fromCache ? ' (from cache)' : ''}: {formatBytes(progress.loaded)}
            {progress.total ? ` of ${formatBytes(progress.total)}` : ''}
          </span>
          <button type="button" onClick={() => void cancelHubDownload()}>
            Cancel
          </button>
        </div>
      )}
      <h3>A model folder on disk</h3>
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
    </div>
  );
}

/**
 * A Hugging Face access token for gated or private repos (Meta's Llama). Outside the download
 * form, so that browsers do not offer to save it as a password; kept in memory only.
 */
function HubTokenField() {
  const [value, setValue] = useState(() => hubToken() ?? '');
  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    setValue(event.target.value);
    setHubToken(event.target.value);
  };
  return (
    <label className="field">
      <span>Access token (for gated repos)</span>
      <input
        type="password"
        value={value}
        onChange={onChange}
        autoComplete="off"
        spellCheck={false}
        placeholder="hf_…"
        aria-describedby="hub-token-hint"
        data-testid="hub-token"
        data-1p-ignore
        data-lpignore="true"
      />
      <small id="hub-token-hint">
        Needed for repos like meta-llama/Llama-3.2-1B-Instruct once your account has accepted their license. Sent only to huggingface.co with your downloads;
        kept in this tab&apos;s memory, never saved — reloading the page forgets it.
      </small>
    </label>
  );
}
