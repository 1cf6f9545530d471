import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, requirePython } from '../../../tools/system-packages';
import { DEFAULT_SETTINGS, type DpoSettings } from '../train/settings';
import { TRL_VERSION, trlExportFiles, trlScript } from './trl-script';

const GOLDEN = join(__dirname, 'golden', 'train_dpo.py');
const GOLDEN_KTO = join(__dirname, 'golden', 'train_kto.py');

const GOLDEN_SETTINGS: DpoSettings = {
  ...DEFAULT_SETTINGS,
  beta: 0.2,
  lossTypes: ['sigmoid', 'sft'],
  lossWeights: [1, 0.25],
  labelSmoothing: 0.1,
  learningRate: 5e-5,
  scheduler: 'constant',
  warmupSteps: 10,
  steps: 300,
  batchSize: 8,
  gradientAccumulationSteps: 2,
  maxLength: 256,
  maxPromptLength: 128,
  seed: 1234,
  evalFraction: 0.1,
  evalEvery: 50,
};
const KTO_SETTINGS: DpoSettings = {
  ...GOLDEN_SETTINGS,
  stage: 'kto',
  beta: 0.1,
  desirableWeight: 1.33,
  undesirableWeight: 0.75,
  lossTypes: ['sigmoid'],
  lossWeights: [1],
  labelSmoothing: 0,
};
const LORA = { rank: 8, alpha: 16, dropout: 0.05, targets: ['c_attn', 'c_proj'] as ('c_attn' | 'c_proj')[] };

/** Runs python on `source`; returns stdout. Throws with python's stderr when it fails. */
function runPython(source: string, args: string[] = []): string {
  requirePython();
  const dir = mkdtempSync(join(tmpdir(), 'trl-script-'));
  try {
    const file = join(dir, 'script.py');
    writeFileSync(file, source);
    return execFileSync(PYTHON, [file, ...args], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function compiles(script: string): void {
  requirePython();
  const dir = mkdtempSync(join(tmpdir(), 'trl-script-'));
  try {
    const file = join(dir, 'train_dpo.py');
    writeFileSync(file, script);
    execFileSync(PYTHON, ['-m', 'py_compile', file], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const files = (settings: DpoSettings, over: Partial<Parameters<typeof trlExportFiles>[0]> = {}) =>
  trlExportFiles({
    settings,
    lora: LORA,
    modelRef: './model',
    datasetName: 'imdb "sentiment" pairs',
    pairs: [{ prompt: 'Q: hi', chosen: ' hello', rejected: ' go' }],
    ...over,
  });
const text = (map: Map<string, Uint8Array>, name: string) => new TextDecoder().decode(map.get(name));
const jsonl = (map: Map<string, Uint8Array>) =>
  text(map, 'data/train.jsonl')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));

describe('trlExportFiles', () => {
  it('writes the golden train_dpo.py byte for byte, and it compiles', () => {
    const script = text(files(GOLDEN_SETTINGS), 'train_dpo.py');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, script);
    expect(script).toBe(readFileSync(GOLDEN, 'utf8'));
    compiles(script);
  });

  it('writes the golden train_kto.py for a KTO run, with its unpaired rows as they were given', () => {
    const unpaired = [
      { prompt: 'Q: hi', completion: ' hello', label: true },
      { prompt: 'Q: hi', completion: ' go away', label: false },
      { prompt: 'Q: bye', completion: ' see you', label: true },
    ];
    const out = files(KTO_SETTINGS, { unpaired });
    expect([...out.keys()].sort()).toEqual(['README.md', 'data/train.jsonl', 'requirements.txt', 'train_kto.py']);
    const script = text(out, 'train_kto.py');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN_KTO, script);
    expect(script).toBe(readFileSync(GOLDEN_KTO, 'utf8'));
    compiles(script);
    expect(jsonl(out)).toEqual(unpaired);
    const readme = text(out, 'README.md');
    expect(readme).toContain(`KTO on ${unpaired.length} unpaired rows`);
    expect(readme).toContain('python train_kto.py');
    expect(readme).toContain('`{"prompt", "completion", "label"}`');
  });

  it('unpairs the pairs of a KTO run given no unpaired rows: chosen labelled true, rejected false, conversations kept', () => {
    const conversation = {
      prompt: [{ role: 'user', content: 'hi' }],
      chosen: [{ role: 'assistant', content: 'hello' }],
      rejected: [{ role: 'assistant', content: 'go' }],
    };
    const pairs = [
      { prompt: 'P1', chosen: ' yes', rejected: ' no' },
      { prompt: 'P2', chosen: ' a', rejected: ' b', conversation },
    ];
    expect(jsonl(files(KTO_SETTINGS, { pairs }))).toEqual([
      { prompt: 'P1', completion: ' yes', label: true },
      { prompt: 'P1', completion: ' no', label: false },
      { prompt: conversation.prompt, completion: conversation.chosen, label: true },
      { prompt: conversation.prompt, completion: conversation.rejected, label: false },
    ]);
    const bad = [{ prompt: 'P', completion: ' c', label: 'yes' as unknown as boolean }];
    expect(() => files(KTO_SETTINGS, { unpaired: bad })).toThrow(/unpaired row 1: label must be true or false, got "yes"/);
  });

  it("carries a Llama-family run's target modules (no fan_in_fan_out) and its chat template over", () => {
    const template = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}";
    const llama = trlExportFiles({
      settings: GOLDEN_SETTINGS,
      lora: { rank: 8, alpha: 16, dropout: 0.05, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
      conv1d: false,
      chatTemplate: template,
      modelRef: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      datasetName: 'pairs',
      pairs: [{ prompt: 'Q: hi', chosen: ' hello', rejected: ' go' }],
    });
    const script = text(llama, 'train_dpo.py');
    expect(script).toContain('target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],');
    expect(script).not.toContain('fan_in_fan_out');
    expect(script).toContain('tokenizer.chat_template = (HERE / "chat_template.jinja").read_text(encoding="utf-8")');
    expect(text(llama, 'chat_template.jinja')).toBe(template);
    compiles(script);
    expect(files(GOLDEN_SETTINGS).has('chat_template.jinja')).toBe(false);
  });

  it('keeps hostile dataset names and model refs inside their string literals', () => {
    const nasty = 'a"b\'c\\d\ne"""\u0000\u2028é😀\ud800 ");import os;os.system("x")#';
    const script = trlScript({ settings: DEFAULT_SETTINGS, lora: LORA, modelRef: nasty + '/m', datasetName: nasty });
    compiles(script);
    // Parsed by Python, the script has the same statements as with a plain name, and its
    // two constants evaluate back to exactly the text (lone surrogate included).
    const inspect = [
      'import ast, json, sys',
      'tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())',
      'consts = {t.targets[0].id: ast.literal_eval(t.value) for t in tree.body if isinstance(t, ast.Assign) and t.targets[0].id in ("MODEL", "DATASET_NAME")}',
      'sys.stdout.write(json.dumps({"kinds": [type(t).__name__ for t in tree.body], "consts": consts}))',
    ].join('\n');
    const parse = (source: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'trl-script-'));
      try {
        writeFileSync(join(dir, 'train_dpo.py'), source);
        return JSON.parse(runPython(inspect, [join(dir, 'train_dpo.py')]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const hostile = parse(script);
    const plain = parse(trlScript({ settings: DEFAULT_SETTINGS, lora: LORA, modelRef: 'gpt2', datasetName: 'imdb' }));
    expect(hostile.kinds).toEqual(plain.kinds);
    expect(hostile.consts).toEqual({ MODEL: nasty + '/m', DATASET_NAME: nasty });
  });

  it('writes the pairs as TRL standard-format JSONL, requirements and the launch lines', () => {
    const pairs = [
      { prompt: 'P "1"\n', chosen: ' yes', rejected: ' no' },
      { prompt: 'é', chosen: '😀', rejected: '' },
    ];
    const out = files(DEFAULT_SETTINGS, { pairs });
    const rows = text(out, 'data/train.jsonl')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toEqual(pairs);
    // Every requirement is pinned; the comments say why these versions.
    const requirements = text(out, 'requirements.txt').trimEnd().split('\n');
    const pins = requirements.filter((line) => !line.startsWith('#'));
    for (const pin of pins) expect(pin).toMatch(/^[a-z]+==\d+\.\d+\.\d+$/);
    expect(pins).toContain(TRL_VERSION);
    expect(pins.map((pin) => pin.split('==')[0]).sort()).toEqual(['accelerate', 'datasets', 'peft', 'torch', 'transformers', 'trl']);
    expect(requirements.some((line) => line.startsWith('#') && line.includes('transformers>=4.56.2'))).toBe(true);
    const readme = text(out, 'README.md');
    expect(readme).toContain('python train_dpo.py');
    expect(readme).toContain('accelerate launch --num_processes 8 train_dpo.py');
  });
});
