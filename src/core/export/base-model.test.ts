import { describe, expect, it } from 'vitest';
import { baseModelReference } from './base-model';

describe('baseModelReference: the name an adapter gives its base, and the card sentence saying why', () => {
  it('a Hub download is named by its repo id, even when its config says otherwise', () => {
    const ref = baseModelReference({ kind: 'hub', repo: 'Qwen/Qwen3-0.6B', revision: 'main' }, { _name_or_path: '/fsx/ckpt' });
    expect(ref.id).toBe('Qwen/Qwen3-0.6B');
    expect(ref.note).toContain('Hub repo it was downloaded from');
  });

  it("a dropped folder is named by config.json's _name_or_path, else by the folder's name", () => {
    expect(baseModelReference({ kind: 'folder', folder: 'my-smol' }, { _name_or_path: 'HuggingFaceTB/SmolLM2-135M-Instruct' })).toMatchObject({
      id: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      note: expect.stringContaining('`_name_or_path`'),
    });
    expect(baseModelReference({ kind: 'folder', folder: 'my-smol' }, {})).toMatchObject({ id: 'my-smol', note: expect.stringContaining('name of the folder') });
    expect(baseModelReference({ kind: 'folder', folder: 'my-smol' }, { _name_or_path: '  ' }).id).toBe('my-smol');
  });

  it('files picked one by one without _name_or_path have no name to give, and the note says what to set', () => {
    const ref = baseModelReference({ kind: 'files' }, {});
    expect(ref.id).toBeNull();
    expect(ref.note).toMatch(/unknown.*base_model_name_or_path/);
  });
});
