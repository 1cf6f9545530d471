import { Tokenizer } from '@huggingface/tokenizers';
import { chatTemplateFromConfig, type ChatMessage, type ChatTemplate, type ChatTemplateOptions } from './chat-template';
import { addedBosToken, isObject, tokenContent, tokenIdList, type JsonObject } from './special-tokens';
import type { TextTokenizer } from './tokenizer';

/**
 * A Hugging Face `tokenizer.json` (GPT-2's, Llama 3's and Qwen's byte-level BPE, or any model
 * tokenizers.js runs) behind the TextTokenizer contract, with the special tokens and chat
 * template of `tokenizer_config.json` and the stop ids of `generation_config.json`.
 * Decoding never "cleans up" spaces: the text a user wrote must round-trip.
 */

export type { ChatMessage, ChatTemplateOptions } from './chat-template';

export interface HfTokenizerOptions extends ChatTemplateOptions {
  /** The model's name: shown before the model type in `name` ("gpt2 BPE (50,257 tokens)") and in template errors. */
  label?: string;
  /** EOS when tokenizer_config.json names none and there is no `<|endoftext|>` (config.json's eos_token_id). */
  fallbackEosId?: number;
  /** More ids that end a generation (generation_config.json's eos_token_id); EOS always ends one. */
  extraStopIds?: readonly number[];
}

const groupThousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Parses one of the model's JSON files, naming it when it is not a JSON object. */
export function parseTokenizerFile(fileName: string, bytes: Uint8Array): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new Error(`${fileName}: not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) throw new Error(`${fileName}: not a JSON object`);
  return parsed;
}

/** A file of the model folder by base name, whatever folder the map's keys carry. */
function modelFile(files: ReadonlyMap<string, Uint8Array>, name: string): Uint8Array | undefined {
  for (const [path, bytes] of files) if (path === name || path.endsWith(`/${name}`)) return bytes;
  return undefined;
}

export class HfTokenizer implements TextTokenizer {
  readonly name: string;
  /** The EOS appended to every completion (tokenizer.eos_token_id, as TRL appends it). */
  readonly eosId: number;
  readonly stopIds: readonly number[];
  readonly bosId: number | undefined;
  readonly padId: number;
  /** Highest token id + 1, added tokens included: must not exceed the model's vocab_size. */
  readonly vocabSize: number;
  readonly eosToken: string;
  readonly bosToken: string;
  private readonly tokenizer: Tokenizer;
  private readonly template: ChatTemplate | undefined;

  /**
   * @param tokenizerJson tokenizer.json, parsed
   * @param tokenizerConfig tokenizer_config.json, parsed (special tokens, chat template)
   */
  constructor(tokenizerJson: unknown, tokenizerConfig: unknown = {}, options: HfTokenizerOptions = {}) {
    if (!isObject(tokenizerJson)) throw new Error('tokenizer.json: not a JSON object');
    const model = tokenizerJson.model;
    if (!isObject(model) || (typeof model.type !== 'string' && !isObject(model.vocab))) {
      throw new Error('tokenizer.json: no "model" with a vocabulary; this is not a Hugging Face tokenizer.json');
    }
    if (!isObject(tokenizerConfig)) throw new Error('tokenizer_config.json: not a JSON object');
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (error) {
      throw new Error(`tokenizer.json: could not build the tokenizer (${(error as Error).message})`);
    }
    const vocab = this.tokenizer.get_vocab(true);
    if (vocab.size === 0) throw new Error('tokenizer.json: the vocabulary is empty');
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const eosToken = tokenContent(tokenizerConfig, 'eos_token');
    const eosId = this.idOf(eosToken) ?? this.idOf('<|endoftext|>') ?? options.fallbackEosId;
    if (eosId === undefined) {
      throw new Error(
        eosToken === undefined
          ? 'tokenizer_config.json: no eos_token, and the vocabulary has no <|endoftext|>; cannot mark where a completion ends'
          : `tokenizer_config.json: eos_token "${eosToken}" is not in tokenizer.json's vocabulary`,
      );
    }
    this.eosId = eosId;
    this.eosToken = this.tokenizer.id_to_token(eosId) ?? eosToken ?? '';
    this.stopIds = [...new Set([eosId, ...(options.extraStopIds ?? [])])];
    this.padId = this.idOf(tokenContent(tokenizerConfig, 'pad_token')) ?? eosId;
    this.bosToken = tokenContent(tokenizerConfig, 'bos_token') ?? '';
    const addedBos = addedBosToken(tokenizerJson, tokenizerConfig);
    this.bosId = this.idOf(addedBos);
    if (addedBos !== undefined && this.bosId === undefined)
      throw new Error(`tokenizer.json: the BOS "${addedBos}" it adds is not in its vocabulary`);

    const type = typeof model.type === 'string' ? model.type : 'tokenizer';
    this.name = `${options.label ?? 'Hugging Face'} ${type} (${groupThousands(vocab.size)} tokens)`;
    this.template = chatTemplateFromConfig(tokenizerConfig, options);
  }

  /** From the raw bytes of tokenizer.json and, optionally, tokenizer_config.json. */
  static fromBytes(tokenizerJson: Uint8Array, tokenizerConfig?: Uint8Array, options?: HfTokenizerOptions): HfTokenizer {
    const config = tokenizerConfig ? parseTokenizerFile('tokenizer_config.json', tokenizerConfig) : {};
    return new HfTokenizer(parseTokenizerFile('tokenizer.json', tokenizerJson), config, options);
  }

  /**
   * The tokenizer of a Hugging Face model folder: tokenizer.json (required),
   * tokenizer_config.json and generation_config.json from `files` (keyed by base name or path),
   * with config.json's `eos_token_id` as the EOS fallback and as the stop ids when
   * generation_config.json gives none (as transformers derives a generation config).
   * `options.label` defaults to config.json's `_name_or_path`.
   */
  static fromModelFiles(
    files: ReadonlyMap<string, Uint8Array>,
    configJson: Record<string, unknown>,
    options: HfTokenizerOptions = {},
  ): HfTokenizer {
    const tokenizerBytes = modelFile(files, 'tokenizer.json');
    if (!tokenizerBytes) throw new Error('tokenizer.json is missing: the model folder needs its tokenizer alongside config.json');
    const configBytes = modelFile(files, 'tokenizer_config.json');
    const generationBytes = modelFile(files, 'generation_config.json');
    const tokenizerConfig = configBytes ? parseTokenizerFile('tokenizer_config.json', configBytes) : {};
    const generationConfig = generationBytes ? parseTokenizerFile('generation_config.json', generationBytes) : {};
    const configEos = tokenIdList('config.json', configJson, 'eos_token_id');
    const generationEos = tokenIdList('generation_config.json', generationConfig, 'eos_token_id');
    const label =
      options.label ?? (typeof configJson._name_or_path === 'string' && configJson._name_or_path ? configJson._name_or_path : undefined);
    const tokenizer = new HfTokenizer(parseTokenizerFile('tokenizer.json', tokenizerBytes), tokenizerConfig, {
      ...options,
      label,
      fallbackEosId: options.fallbackEosId ?? generationEos?.[0] ?? configEos?.[0],
      extraStopIds: [...(generationEos ?? configEos ?? []), ...(options.extraStopIds ?? [])],
    });
    const sources: [string, number[] | undefined][] = [
      ['generation_config.json', generationEos],
      ['config.json', configEos],
    ];
    for (const [file, ids] of sources) {
      const outside = ids?.find((id) => id >= tokenizer.vocabSize);
      if (outside !== undefined)
        throw new Error(`${file}: eos_token_id ${outside} is not a token of tokenizer.json (ids 0 to ${tokenizer.vocabSize - 1})`);
    }
    return tokenizer;
  }

  private idOf(token: string | undefined): number | undefined {
    return token === undefined ? undefined : this.tokenizer.token_to_id(token);
  }

  /** Plain text → ids, no BOS/EOS added (special-token strings in the text still map to their ids, as in transformers). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return ''; // tokenizers.js throws on an empty list
    return this.tokenizer.decode([...ids], { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  }

  /** Only when tokenizer_config.json has a chat_template; otherwise the plain rendering is used. */
  get renderConversation(): TextTokenizer['renderConversation'] {
    const template = this.template;
    if (template === undefined) return undefined;
    return (prompt, completion) => template.renderConversation(prompt, completion);
  }

  get renderGenerationPrompt(): TextTokenizer['renderGenerationPrompt'] {
    if (this.template === undefined) return undefined;
    return (prompt) => this.applyChatTemplate(prompt, true);
  }

  get hasChatTemplate(): boolean {
    return this.template !== undefined;
  }

  /** The chat template's Jinja source, for exports that must render conversations the same way. */
  get chatTemplateSource(): string | undefined {
    return this.template?.source;
  }

  /** Renders tokenizer_config.json's chat template (Jinja), as transformers' apply_chat_template(tokenize=False). */
  applyChatTemplate(messages: readonly ChatMessage[], addGenerationPrompt: boolean, continueFinalMessage = false): string {
    if (this.template === undefined) throw new Error('tokenizer_config.json: this tokenizer has no chat_template');
    return this.template.render(messages, { addGenerationPrompt, continueFinalMessage });
  }
}
