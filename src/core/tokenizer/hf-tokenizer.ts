import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TextTokenizer } from './tokenizer';

/**
 * A Hugging Face `tokenizer.json` (GPT-2's byte-level BPE, or any model tokenizers.js runs)
 * behind the TextTokenizer contract, with the chat template from `tokenizer_config.json`.
 * Decoding never "cleans up" spaces: the text a user wrote must round-trip.
 */

export interface ChatMessage {
  role: string;
  content: string;
}

export interface HfTokenizerOptions {
  /** Shown before the model type in `name`, e.g. "gpt2" → "gpt2 BPE (50,257 tokens)". */
  label?: string;
  /** EOS when tokenizer_config.json names none and there is no `<|endoftext|>` (config.json's eos_token_id). */
  fallbackEosId?: number;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses one of the tokenizer's JSON files, naming it when it is not a JSON object. */
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

/** A special token in tokenizer_config.json: a string, or an AddedToken dict {content, ...}. */
function tokenContent(config: JsonObject, key: string): string | undefined {
  const value = config[key];
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

/** tokenizer_config.json's chat_template: a string, or a list of named templates ("default"). */
function chatTemplateSource(config: JsonObject): string | undefined {
  const value = config.chat_template;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((t) => isObject(t) && t.name === 'default') as JsonObject | undefined;
    if (named && typeof named.template === 'string') return named.template;
  }
  return undefined;
}

const groupThousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export class HfTokenizer implements TextTokenizer {
  readonly name: string;
  readonly eosId: number;
  readonly padId: number;
  /** Highest token id + 1, added tokens included: must not exceed the model's vocab_size. */
  readonly vocabSize: number;
  readonly eosToken: string;
  readonly bosToken: string;
  private readonly tokenizer: Tokenizer;
  private readonly chatTemplate: string | undefined;
  private compiledTemplate: Template | undefined;

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
    this.padId = this.idOf(tokenContent(tokenizerConfig, 'pad_token')) ?? eosId;
    this.bosToken = tokenContent(tokenizerConfig, 'bos_token') ?? '';
    this.chatTemplate = chatTemplateSource(tokenizerConfig);
    const type = typeof model.type === 'string' ? model.type : 'tokenizer';
    this.name = `${options.label ?? 'Hugging Face'} ${type} (${groupThousands(vocab.size)} tokens)`;
  }

  /** From the raw bytes of tokenizer.json and, optionally, tokenizer_config.json. */
  static fromBytes(tokenizerJson: Uint8Array, tokenizerConfig?: Uint8Array, options?: HfTokenizerOptions): HfTokenizer {
    const config = tokenizerConfig ? parseTokenizerFile('tokenizer_config.json', tokenizerConfig) : {};
    return new HfTokenizer(parseTokenizerFile('tokenizer.json', tokenizerJson), config, options);
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
    if (this.chatTemplate === undefined) return undefined;
    return (prompt, completion) => {
      const promptText = this.applyChatTemplate(prompt, true);
      const full = this.applyChatTemplate([...prompt, ...completion], false);
      // A template that does not reproduce the prompt as a prefix gets the completion rendered alone.
      const rest = full.startsWith(promptText) ? full.slice(promptText.length) : this.applyChatTemplate(completion, false);
      return { prompt: promptText, completion: rest };
    };
  }

  get hasChatTemplate(): boolean {
    return this.chatTemplate !== undefined;
  }

  /** Renders tokenizer_config.json's chat template (Jinja), as transformers' apply_chat_template(tokenize=False). */
  applyChatTemplate(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    if (this.chatTemplate === undefined) throw new Error('tokenizer_config.json: this tokenizer has no chat_template');
    try {
      this.compiledTemplate ??= new Template(this.chatTemplate);
      return this.compiledTemplate.render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: this.bosToken,
        eos_token: this.eosToken,
      });
    } catch (error) {
      throw new Error(`tokenizer_config.json: the chat_template failed (${(error as Error).message})`);
    }
  }
}
