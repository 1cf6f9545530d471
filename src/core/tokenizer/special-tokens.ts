/**
 * Reading a model's special tokens from its Hugging Face files, as transformers reads them:
 * tokenizer_config.json names the tokens (strings or AddedToken dicts), generation_config.json
 * and config.json give ids (an int or a list of ints). Every error names the file and field.
 */

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A special token in tokenizer_config.json: a string, or an AddedToken dict {content, ...}; null or absent → undefined. */
export function tokenContent(config: JsonObject, key: string): string | undefined {
  const value = config[key];
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

/** The names transformers puts in a chat template's scope (PreTrainedTokenizerBase.SPECIAL_TOKENS_ATTRIBUTES). */
const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

/**
 * transformers' `special_tokens_map`: the tokens tokenizer_config.json sets (null ones left
 * out, so a template sees them as undefined), plus `additional_special_tokens`. apply_chat_template
 * renders with `{**special_tokens_map, **kwargs}`.
 */
export function specialTokensMap(config: JsonObject): Record<string, string | string[]> {
  const map: Record<string, string | string[]> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const content = tokenContent(config, key);
    if (content !== undefined) map[key] = content;
  }
  const additional = config.additional_special_tokens;
  if (Array.isArray(additional)) {
    map.additional_special_tokens = additional.flatMap((t) =>
      typeof t === 'string' ? [t] : isObject(t) && typeof t.content === 'string' ? [t.content] : [],
    );
  }
  return map;
}

/**
 * An id field that may be an int or a list of ints (`eos_token_id` in generation_config.json
 * and config.json). Absent or null → undefined; anything else that is not ids throws, naming
 * the file and field.
 */
export function tokenIdList(file: string, json: JsonObject, field: string): number[] | undefined {
  const value = json[field];
  if (value === undefined || value === null) return undefined;
  const ids = Array.isArray(value) ? value : [value];
  if (ids.length === 0 || !ids.every((id) => Number.isInteger(id) && (id as number) >= 0)) {
    throw new Error(`${file}: ${field} must be a token id or a list of token ids, not ${JSON.stringify(value)}`);
  }
  return ids as number[];
}

/**
 * The token the tokenizer puts before every text it encodes with special tokens, as
 * transformers' `tokenizer(text)` does: tokenizer_config.json's `add_bos_token` when it is a
 * boolean (Llama's and GPT-2's tokenizer classes honour it; Qwen2's sets it false), otherwise
 * the first piece of tokenizer.json's TemplateProcessing post-processor (Llama 3's
 * `<|begin_of_text|>`). Undefined when nothing is added (GPT-2, Qwen, SmolLM2).
 */
export function addedBosToken(tokenizerJson: JsonObject, tokenizerConfig: JsonObject): string | undefined {
  const flag = tokenizerConfig.add_bos_token;
  if (flag === false) return undefined;
  if (flag === true) return tokenContent(tokenizerConfig, 'bos_token');
  const template = templateProcessing(tokenizerJson.post_processor);
  const first = template && Array.isArray(template.single) ? template.single[0] : undefined;
  const special = isObject(first) && isObject(first.SpecialToken) ? first.SpecialToken : undefined;
  return special && typeof special.id === 'string' ? special.id : undefined;
}

/** The TemplateProcessing post-processor, alone or inside a Sequence. */
function templateProcessing(processor: unknown): JsonObject | undefined {
  if (!isObject(processor)) return undefined;
  if (processor.type === 'TemplateProcessing') return processor;
  if (processor.type === 'Sequence' && Array.isArray(processor.processors)) {
    for (const inner of processor.processors) {
      const found = templateProcessing(inner);
      if (found) return found;
    }
  }
  return undefined;
}

/** tokenizer_config.json's chat_template: a string, or a list of named templates ("default"). */
export function chatTemplateSource(config: JsonObject): string | undefined {
  const value = config.chat_template;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((t) => isObject(t) && t.name === 'default') as JsonObject | undefined;
    if (named && typeof named.template === 'string') return named.template;
  }
  return undefined;
}
