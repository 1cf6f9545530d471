import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, requirePython } from '../../../tools/system-packages';
import { renderedTexts } from '../dpo/batch';
import { LLAMA32_CONFIG, LLAMA3_DIR, QWEN3_DIR, readJson, SMOLLM2_CONFIG } from '../testing/fixtures/tokenizers/real-tokenizers';
import { chatTemplateFromConfig, strftime, type ChatMessage } from './chat-template';
import { BYTE_TOKENIZER, type TextTokenizer } from './tokenizer';

// The real chat templates of Qwen3, Llama 3, Llama 3.2, SmolLM2 (and the GPT-2 fixture's) rendered
// by @huggingface/jinja here and by Python's jinja2 in tools/oracle/render_chat_template.py, which
// reproduces transformers' environment and TRL's prompt/completion split; strings must be equal.
const CONFIGS = {
  qwen3: join(QWEN3_DIR, 'tokenizer_config.json'),
  llama3: join(LLAMA3_DIR, 'tokenizer_config.json'),
  'llama3.2': LLAMA32_CONFIG,
  smollm2: SMOLLM2_CONFIG,
  gpt2: 'src/core/testing/fixtures/tiny-gpt2/tokenizer_config.json',
} as const;
type Model = keyof typeof CONFIGS;
const MODELS = Object.keys(CONFIGS) as Model[];

// A fixed local time for strftime_now (Llama 3.2 writes "Today Date: 05 Mar 2025").
const NOW: [number, number, number, number, number, number] = [2025, 3, 5, 9, 7, 0];
const now = () => new Date(NOW[0], NOW[1] - 1, NOW[2], NOW[3], NOW[4], NOW[5]);

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
const system = (content: string): ChatMessage => ({ role: 'system', content });

const CONVERSATIONS: Record<string, ChatMessage[]> = {
  single: [user('What colour is the sky?')],
  system: [system('You are terse.'), user('Name a prime.')],
  multiTurn: [system('  Be kind.  '), user('Hi!'), assistant('Hello! How can I help?'), user('Tell me a joke about 🐍 and 中文.')],
  answered: [user('2 + 2?'), assistant('4.')],
  reasoning: [user('Why?'), assistant('<think>\nBecause it is.\n</think>\n\nIt just is.')],
  whitespace: [user('  padded\n\n'), assistant('\n tabs\tand  spaces \n')],
};

interface RenderCase {
  kind: 'render';
  model: Model;
  messages: ChatMessage[];
  add_generation_prompt: boolean;
  continue_final_message?: boolean;
  kwargs: Record<string, unknown>;
}
interface TrlCase {
  kind: 'trl';
  model: Model;
  example: { prompt?: ChatMessage[]; chosen: ChatMessage[]; rejected: ChatMessage[] };
  kwargs: Record<string, unknown>;
}

const KWARGS: Record<Model, Record<string, unknown>[]> = {
  qwen3: [{}, { enable_thinking: false }, { enable_thinking: true }],
  llama3: [{}],
  'llama3.2': [{}, { date_string: '26 Jul 2024' }],
  smollm2: [{}],
  gpt2: [{}],
};

const renderCases: RenderCase[] = MODELS.flatMap((model) =>
  KWARGS[model].flatMap((kwargs) =>
    Object.values(CONVERSATIONS).flatMap((messages) => [
      { kind: 'render' as const, model, messages, add_generation_prompt: true, kwargs },
      { kind: 'render' as const, model, messages, add_generation_prompt: false, kwargs },
      ...(messages.at(-1)!.role === 'assistant'
        ? [{ kind: 'render' as const, model, messages, add_generation_prompt: false, continue_final_message: true, kwargs }]
        : []),
    ]),
  ),
);

const EXAMPLES: TrlCase['example'][] = [
  { prompt: [user('Sky colour?')], chosen: [assistant('Blue.')], rejected: [assistant('Green, surely.')] },
  { prompt: [system('Answer in one word.'), user('Capital of France?')], chosen: [assistant('Paris')], rejected: [assistant('Lyon')] },
  {
    prompt: [user('Hi'), assistant('Hello.'), user('Count to 3.')],
    chosen: [assistant('1, 2, 3.')],
    rejected: [assistant('<think>\nhmm\n</think>\n\n1, 3.'), user('Wrong.'), assistant('Sorry.')],
  },
  // The prompt ends inside the assistant's turn: TRL continues it (continue_final_message).
  { prompt: [user('Finish: the cat sat on'), assistant('the')], chosen: [assistant(' mat.')], rejected: [assistant(' moon.')] },
  // No shared turns: TRL's implicit-prompt case renders each conversation whole.
  { chosen: [user('A?'), assistant('Yes.')], rejected: [user('B?'), assistant('No.')] },
];

const trlCases: TrlCase[] = MODELS.flatMap((model) =>
  KWARGS[model].flatMap((kwargs) => EXAMPLES.map((example) => ({ kind: 'trl' as const, model, example, kwargs }))),
);

interface TrlSplit {
  prompt: string;
  chosen: string;
  rejected: string;
  full_chosen: string;
  full_rejected: string;
}
type PythonResult = { text: string } | { error: string } | TrlSplit;

function runPython(cases: (RenderCase | TrlCase)[]): PythonResult[] {
  requirePython(['jinja2']);
  const request = { cases: cases.map(({ model, ...rest }) => ({ ...rest, config: CONFIGS[model], now: NOW })) };
  const out = execFileSync(PYTHON, ['tools/oracle/render_chat_template.py'], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return (JSON.parse(out) as { results: PythonResult[] }).results;
}

const template = (model: Model, kwargs: Record<string, unknown>) =>
  chatTemplateFromConfig(readJson(CONFIGS[model]), { label: model, chatTemplateKwargs: kwargs, now })!;
const label = (c: RenderCase | TrlCase) =>
  `${c.model} ${JSON.stringify(c.kwargs)} ${JSON.stringify(c.kind === 'render' ? c.messages : c.example).slice(0, 60)}`;

describe('chat templates against Python jinja2 (transformers environment)', () => {
  let python: PythonResult[];
  beforeAll(() => {
    python = runPython([...renderCases, ...trlCases]);
  });

  it.each(renderCases.map((c, i) => [`${label(c)} gen=${c.add_generation_prompt} cont=${c.continue_final_message ?? false}`, i] as const))(
    'renders %s',
    (_, i) => {
      const c = renderCases[i];
      const expected = python[i];
      expect('error' in expected ? expected.error : '').toBe('');
      const text = template(c.model, c.kwargs).render(c.messages, {
        addGenerationPrompt: c.add_generation_prompt,
        continueFinalMessage: c.continue_final_message,
      });
      expect(text).toBe((expected as { text: string }).text);
    },
  );

  it.each(trlCases.map((c, i) => [label(c), i] as const))('splits a preference row as TRL does: %s', (_, i) => {
    const c = trlCases[i];
    const trl = python[renderCases.length + i] as TrlSplit;
    const t = template(c.model, c.kwargs);
    const tokenizer: TextTokenizer = {
      ...BYTE_TOKENIZER,
      renderConversation: (prompt, completion) => t.renderConversation(prompt, completion),
    };
    const { prompt = [], chosen, rejected } = c.example;
    const ours = renderedTexts({ prompt: '', chosen: '', rejected: '', conversation: { prompt, chosen, rejected } }, tokenizer);
    expect(ours.prompt).toBe(trl.prompt);
    expect(ours.rejected).toBe(trl.rejected);
    expect(ours.prompt + ours.chosen).toBe(trl.full_chosen);
    expect(ours.prompt + ours.rejected).toBe(trl.full_rejected);
    // TRL cuts chosen before the rejected side shortens the prompt; then its prompt + chosen loses text.
    if (trl.prompt + trl.chosen === trl.full_chosen) expect(ours.chosen).toBe(trl.chosen);
  });

  it("keeps prompt + chosen whole where TRL's split loses text (Qwen3, no thinking, a multi-turn rejected reply)", () => {
    const i = trlCases.findIndex((c) => c.model === 'qwen3' && c.kwargs.enable_thinking === false && c.example.rejected.length === 3);
    const trl = python[renderCases.length + i] as TrlSplit;
    expect(trl.prompt + trl.chosen).not.toBe(trl.full_chosen); // TRL drops the empty think block of the chosen reply
    expect(trl.full_chosen.slice(trl.prompt.length)).toBe('<think>\n\n</think>\n\n1, 2, 3.<|im_end|>\n');
  });
});

describe('what the templates say', () => {
  it('Qwen3 thinks by default: enable_thinking false adds the empty think block to the generation prompt only', () => {
    const on = template('qwen3', {}).renderConversation([user('Q')], [assistant('A')]);
    const off = template('qwen3', { enable_thinking: false }).renderConversation([user('Q')], [assistant('A')]);
    expect(on).toEqual({
      prompt: '<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n',
      completion: '<think>\n\n</think>\n\nA<|im_end|>\n',
    });
    expect(off).toEqual({
      prompt: '<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
      completion: 'A<|im_end|>\n',
    });
  });

  it("Llama 3.2 writes its BOS and today's date from strftime_now, and SmolLM2 its default system turn", () => {
    const llama = template('llama3.2', {}).render([user('Hi')], { addGenerationPrompt: true });
    expect(llama).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\n<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(template('smollm2', {}).render([user('Hi')], { addGenerationPrompt: false })).toBe(
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n',
    );
  });

  it('a template the interpreter cannot run is named with the model and the reason', () => {
    const broken = chatTemplateFromConfig({ chat_template: '{% for m in messages %}' }, { label: 'Broken-7B' })!;
    expect(() => broken.render([user('x')], { addGenerationPrompt: true })).toThrow(
      /^the chat_template of Broken-7B could not be rendered: /,
    );
    const raising = chatTemplateFromConfig(
      { chat_template: "{{ raise_exception('Only user and assistant roles are supported!') }}" },
      { label: 'Strict-1B' },
    )!;
    expect(() => raising.render([system('x')], { addGenerationPrompt: true })).toThrow(
      'the chat_template of Strict-1B could not be rendered: Only user and assistant roles are supported!',
    );
  });

  it('strftime formats as Python does in the C locale', () => {
    const date = new Date(2024, 6, 26, 15, 4, 9);
    expect(strftime(date, '%d %b %Y')).toBe('26 Jul 2024');
    expect(strftime(date, '%A %a %B %m/%d/%y %H:%M:%S %I %p %j %% %q')).toBe('Friday Fri July 07/26/24 15:04:09 03 PM 208 % %q');
  });
});
