import { useState } from 'react';
import { loadPastedText } from '../../client/dataset-actions';

/** Paste JSONL rows instead of choosing a file. */
export function PasteBox() {
  const [text, setText] = useState('');
  return (
    <details className="paste-box">
      <summary>Paste JSONL text</summary>
      <textarea value={text} onChange={(e) => setText(e.target.value)} rows={4} placeholder='{"prompt": "...", "chosen": "...", "rejected": "..."}' aria-label="JSONL rows" data-testid="paste-input" />
      <button
        type="button"
        disabled={text.trim() === ''}
        onClick={() => {
          void loadPastedText(text);
          setText('');
        }}
        data-testid="paste-load"
      >
        Load pasted rows
      </button>
    </details>
  );
}
