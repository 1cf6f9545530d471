/**
 * Which base model an export names (adapter_config's base_model_name_or_path, the model
 * card's base_model), and why. PEFT's AutoPeftModelForCausalLM loads the base from that
 * name, so a made-up one ("dropped model") breaks loading: the Hub id of a download wins,
 * then config.json's `_name_or_path` (what transformers wrote when it saved the folder), then
 * the folder's own name; with none of them the name is unknown and the card says so.
 */

/** Where a Hugging Face model came from. */
export type ModelOrigin = { kind: 'hub'; repo: string; revision: string } | { kind: 'folder'; folder: string } | { kind: 'files' };

export interface BaseModelReference {
  /** The id to load the base with, or null when nothing names it. */
  id: string | null;
  /** One sentence for the model card: where the id came from, and what to do when it is not a Hub id. */
  note: string;
}

export function baseModelReference(origin: ModelOrigin, configJson: Record<string, unknown>): BaseModelReference {
  if (origin.kind === 'hub') {
    const pinned = origin.revision !== 'main' ? ` at revision \`${origin.revision}\`` : '';
    return { id: origin.repo, note: `The base model \`${origin.repo}\` is the Hugging Face Hub repo it was downloaded from${pinned}.` };
  }
  const saved = typeof configJson._name_or_path === 'string' ? configJson._name_or_path.trim() : '';
  if (saved !== '')
    return {
      id: saved,
      note: `The base model \`${saved}\` is the \`_name_or_path\` in the loaded config.json; if that is not a Hub id or a path on your machine, set \`base_model_name_or_path\` in adapter_config.json to where the base is.`,
    };
  if (origin.kind === 'folder')
    return {
      id: origin.folder,
      note: `The base model \`${origin.folder}\` is the name of the folder it was loaded from (its config.json has no \`_name_or_path\`); if that is not a Hub id, set \`base_model_name_or_path\` in adapter_config.json to the folder's path.`,
    };
  return {
    id: null,
    note: 'The base model is unknown: its files were picked one by one and its config.json has no `_name_or_path`. Set `base_model_name_or_path` in adapter_config.json to its Hub id or folder before loading the adapter.',
  };
}
