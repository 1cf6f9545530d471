import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { rewriteStripCalls, STRIP_GLOBALS } from './python-strip';
import { chatTemplateSource, specialTokensMap, type JsonObject } from './special-tokens';
import { commonPrefixLength } from './tokenizer';

/**
 * A model's Jinja chat template, rendered as transformers' apply_chat_template(tokenize=False)
 * renders it, and split into prompt and completion as TRL's maybe_apply_chat_template splits a
 * preference row. The scope is transformers': the special tokens from tokenizer_config.json,
 * `messages`, `tools` and `documents` (null), `add_generation_prompt`, the caller's kwargs
 * (Qwen3's `enable_thinking`), `raise_exception` and a `strftime_now` that reads the given
 * clock with English month and day names (Llama 3.x writes "Today Date: 26 Jul 2024"); the
 * interpreter trims blocks as transformers' environment does (trim_blocks, lstrip_blocks).
 */

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatTemplateScope {
  /** Named in every error, e.g. "the chat_template of Qwen3-0.6B could not be rendered: …". */
  modelName: string;
  /** transformers' special_tokens_map: bos_token, eos_token, pad_token, … as strings. */
  specialTokens: Record<string, unknown>;
  /** Extra template variables, as apply_chat_template(**kwargs): they override the special tokens. */
  kwargs: Record<string, unknown>;
  /** The clock strftime_now reads. */
  now: () => Date;
}

export interface RenderOptions {
  addGenerationPrompt: boolean;
  /** Leave the last message open (transformers' continue_final_message): the prompt ends inside it. */
  continueFinalMessage?: boolean;
}

/** How a model's template is rendered: the options a tokenizer takes. */
export interface ChatTemplateOptions {
  /** Named in errors; "this model" when unset. */
  label?: string;
  /** Variables for the template, as apply_chat_template(**kwargs), e.g. { enable_thinking: false }. */
  chatTemplateKwargs?: Record<string, unknown>;
  /**
   * Qwen3's thinking switch (sets `enable_thinking`). Unset leaves it undefined, which Qwen3's
   * template reads as thinking on: the generation prompt has no empty <think></think> block.
   */
  enableThinking?: boolean;
  /** The clock the template's strftime_now reads (Llama 3.x writes today's date); the system clock by default. */
  now?: () => Date;
}

/** tokenizer_config.json's chat_template with its special tokens in scope; undefined when it has none. */
export function chatTemplateFromConfig(tokenizerConfig: JsonObject, options: ChatTemplateOptions = {}): ChatTemplate | undefined {
  const source = chatTemplateSource(tokenizerConfig);
  if (source === undefined) return undefined;
  const thinking = options.enableThinking === undefined ? {} : { enable_thinking: options.enableThinking };
  return new ChatTemplate(source, {
    modelName: options.label ?? 'this model',
    specialTokens: specialTokensMap(tokenizerConfig),
    kwargs: { ...options.chatTemplateKwargs, ...thinking },
    now: options.now ?? (() => new Date()),
  });
}

// transformers marks the final message with this tag, renders, and cuts at the tag.
const CONTINUE_TAG = 'CONTINUE_FINAL_MESSAGE_TAG ';

export class ChatTemplate {
  private compiled: Template | undefined;

  constructor(
    readonly source: string,
    private readonly scope: ChatTemplateScope,
  ) {}

  /** The template's text for `messages`. Throws naming the model when the template cannot be parsed or run. */
  render(messages: readonly ChatMessage[], options: RenderOptions): string {
    const continueFinal = options.continueFinalMessage === true && messages.length > 0;
    const chat = continueFinal
      ? [...messages.slice(0, -1), { ...messages[messages.length - 1], content: messages[messages.length - 1].content + CONTINUE_TAG }]
      : messages;
    let rendered: string;
    try {
      this.compiled ??= compile(this.source);
      const env = new Environment();
      const scope: Record<string, unknown> = {
        ...this.globals(),
        ...this.scope.specialTokens,
        messages: chat.map((m) => ({ ...m })),
        tools: null,
        documents: null,
        add_generation_prompt: options.addGenerationPrompt,
        ...this.scope.kwargs,
      };
      for (const [name, value] of Object.entries(scope)) env.set(name, value);
      rendered = new Interpreter(env).run(this.compiled.parsed).value as string;
    } catch (error) {
      throw this.failure((error as Error).message);
    }
    if (!continueFinal) return rendered;
    const tagAt = rendered.lastIndexOf(CONTINUE_TAG.trim());
    if (tagAt < 0) throw this.failure('the template drops part of the final message, so it cannot be continued');
    // A template that trims message content also trimmed the tag's space: cut trailing space then.
    return rendered.startsWith(CONTINUE_TAG, tagAt) ? rendered.slice(0, tagAt) : rendered.slice(0, tagAt).trimEnd();
  }

  /**
   * TRL's split of a conversation into prompt and completion: the prompt turns rendered with
   * the generation prompt (or, ending on an assistant turn, continuing it), then the whole
   * conversation rendered; the prompt is their common prefix and the completion the rest, so
   * prompt + completion is exactly the rendered conversation. An empty prompt (no shared turns)
   * renders the completion alone.
   */
  renderConversation(prompt: readonly ChatMessage[], completion: readonly ChatMessage[]): { prompt: string; completion: string } {
    const full = this.render([...prompt, ...completion], { addGenerationPrompt: false });
    if (prompt.length === 0) return { prompt: '', completion: full };
    // TRL continues a prompt that ends on an assistant turn and prompts a new one after user and
    // tool turns; it refuses any other last role, which gets the generation prompt here.
    const endsOnAssistant = prompt[prompt.length - 1].role === 'assistant';
    const promptText = this.render(prompt, { addGenerationPrompt: !endsOnAssistant, continueFinalMessage: endsOnAssistant });
    const shared = commonPrefixLength(promptText, full);
    return { prompt: full.slice(0, shared), completion: full.slice(shared) };
  }

  /**
   * The interpreter's own globals (Template.render sets the same), with strftime_now on the
   * given clock: the library's reads the system clock with locale month names.
   */
  private globals(): Record<string, unknown> {
    return {
      true: true,
      false: false,
      none: null,
      True: true,
      False: false,
      None: null,
      range,
      raise_exception: (message: unknown) => {
        throw new Error(String(message));
      },
      strftime_now: (format: string) => strftime(this.scope.now(), format),
      ...STRIP_GLOBALS,
    };
  }

  private failure(reason: string): Error {
    return new Error(`the chat_template of ${this.scope.modelName} could not be rendered: ${reason}`);
  }
}

/** Lexed with trim_blocks and lstrip_blocks, as transformers' environment; str.strip(chars) made Python's. */
function compile(source: string): Template {
  const template = new Template(source);
  rewriteStripCalls(template.parsed);
  return template;
}

/** Python's range(stop) / range(start, stop[, step]). */
function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range() arg 3 must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Python's datetime.strftime in the C locale, for the directives chat templates use; local time, as datetime.now(). */
export function strftime(date: Date, format: string): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const hour12 = date.getHours() % 12 || 12;
  const dayOfYear =
    Math.round((Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) - Date.UTC(date.getFullYear(), 0, 1)) / 86_400_000) + 1;
  const fields: Record<string, () => string> = {
    a: () => DAYS[date.getDay()].slice(0, 3),
    A: () => DAYS[date.getDay()],
    b: () => MONTHS[date.getMonth()].slice(0, 3),
    B: () => MONTHS[date.getMonth()],
    d: () => pad(date.getDate()),
    H: () => pad(date.getHours()),
    I: () => pad(hour12),
    j: () => pad(dayOfYear, 3),
    m: () => pad(date.getMonth() + 1),
    M: () => pad(date.getMinutes()),
    p: () => (date.getHours() < 12 ? 'AM' : 'PM'),
    S: () => pad(date.getSeconds()),
    y: () => pad(date.getFullYear() % 100),
    Y: () => String(date.getFullYear()),
    '%': () => '%',
  };
  return format.replace(/%(.)/g, (token, code: string) => fields[code]?.() ?? token);
}
