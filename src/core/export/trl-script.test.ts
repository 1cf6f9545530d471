import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, requirePython } from '../../../tools/system-packages';
import { DEFAULT_SETTINGS, type DpoSettings } from '../train/settings';
import { dpoConfigArguments, TRL_VERSION, trlExportFiles, trlScript } from './trl-script';

const GOLDEN = join(__dirname, 'golden', 'train_dpo.py');

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

describe('trlExportFiles', () => {
  it('writes the golden train_dpo.py byte for byte, and it compiles', () => {
    const script = text(files(GOLDEN_SETTINGS), 'train_dpo.py');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, script);
    expect(script).toBe(readFileSync(GOLDEN, 'utf8'));
    compiles(script);
  });

  it('maps the settings to DPOConfig options of the targeted TRL', () => {
    const script = text(files(GOLDEN_SETTINGS), 'train_dpo.py');
    expect(script).toContain(TRL_VERSION);
    for (const line of [
      'beta=0.2,',
      'loss_type=["sigmoid"],',
      'loss_weights=[1],',
      'rpo_alpha=0.25,',
      'label_smoothing=0.1,',
      'precompute_ref_log_probs=True,',
      'learning_rate=0.00005,',
      'lr_scheduler_type="constant_with_warmup",',
      'warmup_steps=10,',
      'max_steps=300,',
      'per_device_train_batch_size=8,',
      'gradient_accumulation_steps=2,',
      'max_length=256,',
      'max_prompt_length=128,',
      'optim="adamw_torch",',
      'max_grad_norm=1,',
      'seed=1234,',
      'target_modules=["c_attn", "c_proj"],',
      'fan_in_fan_out=True,',
      'peft_config=peft_config,',
    ]) {
      expect(script).toContain(line);
    }
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

  it('maps TR-DPO, reference-free runs, combined losses and RMSprop; lists what TRL lacks', () => {
    const trdpo = dpoConfigArguments({ ...DEFAULT_SETTINGS, referenceSyncSteps: 32, referenceSyncAlpha: 0.5 });
    expect(trdpo.args).toEqual(
      expect.arrayContaining([
        ['sync_ref_model', true],
        ['ref_model_sync_steps', 32],
        ['ref_model_mixup_alpha', 0.5],
        ['precompute_ref_log_probs', false],
      ]),
    );
    const withLora = dpoConfigArguments({ ...DEFAULT_SETTINGS, referenceSyncSteps: 32 }, LORA);
    expect(withLora.args.map(([k]) => k)).not.toContain('sync_ref_model');
    expect(withLora.unmapped.join('\n')).toMatch(/TR-DPO.*PEFT/);

    const free = dpoConfigArguments({ ...DEFAULT_SETTINGS, reference: 'none' });
    expect(free.args).toContainEqual(['reference_free', true]);

    const combined = dpoConfigArguments({
      ...DEFAULT_SETTINGS,
      lossTypes: ['sigmoid', 'ipo', 'simpo', 'sigmoid_norm'],
      lossWeights: [1, 0.5, 0.3, 0.2],
      optimizer: 'rmsprop',
    });
    expect(combined.args).toContainEqual(['loss_type', ['sigmoid', 'ipo']]);
    expect(combined.args).toContainEqual(['loss_weights', [1, 0.5]]);
    expect(combined.args).toContainEqual(['optim', 'rmsprop']);
    expect(combined.unmapped.join('\n')).toMatch(/simpo[\s\S]*sigmoid_norm/);

    const sftOnly = dpoConfigArguments({ ...DEFAULT_SETTINGS, stage: 'sft' });
    expect(sftOnly.args).toContainEqual(['loss_type', ['sft']]);
    expect(dpoConfigArguments({ ...DEFAULT_SETTINGS, scheduler: 'cosine', warmupSteps: 5 }).args).toContainEqual([
      'lr_scheduler_type',
      'cosine',
    ]);
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
    expect(text(out, 'requirements.txt')).toMatch(/^trl==\d+\.\d+\.\d+$/m);
    expect(text(out, 'requirements.txt')).not.toMatch(/^[a-z]+$/m);
    const readme = text(out, 'README.md');
    expect(readme).toContain('python train_dpo.py');
    expect(readme).toContain('accelerate launch --num_processes 8 train_dpo.py');
  });
});
