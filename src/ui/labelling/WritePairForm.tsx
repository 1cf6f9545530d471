import { useState, type FormEvent } from 'react';
import { label } from '../../client/dataset-actions';
import type { Verdict } from '../../state/labelling';
import { useStore } from '../../state/store';

/** Write a prompt and two responses, then say which is better (a tie adds nothing). */
export function WritePairForm() {
  const idle = useStore((s) => s.status === 'idle');
  const [prompt, setPrompt] = useState('');
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [verdict, setVerdict] = useState<Verdict>('first');
  const ready = first.trim() !== '' && second.trim() !== '';
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    await label(prompt, first, second, verdict);
    setFirst('');
    setSecond('');
  };
  return (
    <details className="write-pair">
      <summary>Write a pair</summary>
      <form onSubmit={(e) => void onSubmit(e)}>
        <label className="field">
          <span>Prompt</span>
          <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={2} data-testid="write-prompt" />
        </label>
        <label className="field">
          <span>Response 1</span>
          <textarea value={first} onChange={(e) => setFirst(e.target.value)} rows={2} data-testid="write-first" />
        </label>
        <label className="field">
          <span>Response 2</span>
          <textarea value={second} onChange={(e) => setSecond(e.target.value)} rows={2} data-testid="write-second" />
        </label>
        <fieldset className="verdict">
          <legend>Which is better?</legend>
          {(['first', 'second', 'tie'] as const).map((v) => (
            <label key={v}>
              <input type="radio" name="verdict" checked={verdict === v} onChange={() => setVerdict(v)} /> {v === 'first' ? 'Response 1' : v === 'second' ? 'Response 2' : 'Tie (skip)'}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={!ready || !idle} data-testid="write-add">
          Add pair
        </button>
      </form>
    </details>
  );
}
