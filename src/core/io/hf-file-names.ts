// TF-free: the page picks a dropped folder's model files with it, before the worker reads them.

/** The files a Hugging Face model folder may hold (base names); a folder's other files are not read. */
export function isHfModelFileName(name: string): boolean {
  return /^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|vocab\.json|merges\.txt|model\.safetensors(\.index\.json)?|model-\d+-of-\d+\.safetensors)$/.test(name);
}
