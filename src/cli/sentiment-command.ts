import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readGpt2Safetensors } from '../core/io/hf-gpt2';
import { sentimentPrompts } from '../core/sentiment/demo-model';
import { runSentimentExperiment } from '../core/sentiment/experiment';
import { DEFAULT_SENTIMENT_SETTINGS, type SentimentSettings } from '../core/sentiment/sentiment-settings';
import { metricAt, metricRowCount } from '../core/train/metric-names';
import { UsageError } from './train-options';
import type { Io } from './train-command';

type NumericKey = Exclude<keyof SentimentSettings, 'betas'>;

const NUMBERS: [flag: string, key: NumericKey, help: string][] = [
  ['steps', 'steps', `DPO steps per β (default ${DEFAULT_SENTIMENT_SETTINGS.steps})`],
  ['seed', 'seed', `seeds pairs, data order and evaluation samples (default ${DEFAULT_SENTIMENT_SETTINGS.seed})`],
  ['eval-every', 'evalEvery', `evaluate reward and KL every N steps (default ${DEFAULT_SENTIMENT_SETTINGS.evalEvery})`],
  ['lr', 'learningRate', `learning rate (default ${DEFAULT_SENTIMENT_SETTINGS.learningRate})`],
  ['batch-size', 'batchSize', `pairs per step (default ${DEFAULT_SENTIMENT_SETTINGS.batchSize})`],
  ['pair-prompts', 'pairPrompts', `training prompts sampled twice to make pairs (default ${DEFAULT_SENTIMENT_SETTINGS.pairPrompts})`],
  [
    'held-out-pairs',
    'heldOutPairPrompts',
    `held-out prompts made into ground-truth pairs for eval accuracy (default ${DEFAULT_SENTIMENT_SETTINGS.heldOutPairPrompts})`,
  ],
  ['eval-prompts', 'evalPrompts', `held-out prompts sampled at each evaluation (default ${DEFAULT_SENTIMENT_SETTINGS.evalPrompts})`],
  ['samples-per-prompt', 'samplesPerPrompt', `samples per evaluation prompt (default ${DEFAULT_SENTIMENT_SETTINGS.samplesPerPrompt})`],
];

export const SENTIMENT_HELP = [
  'usage: npm run -s cli -- sentiment [--betas 0.1,1] [--steps N] [--seed S] [--out result.json] [--model dir]',
  '',
  "The DPO paper's controlled-sentiment experiment from the shipped SFT model: samples two",
  'completions per prompt, labels them with the AFINN-165 reward, trains DPO once per β, and',
  'evaluates mean reward and KL(π‖π_ref) on held-out prompts. Prints (and writes) one JSON object.',
  '',
  '  --betas <list>            comma-separated β values, run one after another (default 0.1)',
  '  --model <dir>             folder with model.safetensors + config.json (default public/demo/sentiment)',
  '  --out <file.json>         also write the result there',
  ...NUMBERS.map(([flag, , help]) => `  --${flag.padEnd(24)}${help}`),
].join('\n');

function parseNumber(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < 0)
    throw new UsageError(`--${flag}: "${text}" is not a ${integer ? 'whole ' : ''}number ≥ 0`);
  return value;
}

export function sentimentSettingsFrom(values: Record<string, string | boolean | undefined>): SentimentSettings {
  const s: SentimentSettings = { ...DEFAULT_SENTIMENT_SETTINGS };
  for (const [flag, key] of NUMBERS) {
    const text = values[flag];
    if (typeof text === 'string') s[key] = parseNumber(flag, text, key !== 'learningRate');
  }
  if (typeof values.betas === 'string') {
    s.betas = values.betas.split(',').map((b) => parseNumber('betas', b, false));
    if (s.betas.some((b) => b <= 0)) throw new UsageError('--betas: every β must be > 0');
  }
  for (const key of ['steps', 'batchSize', 'pairPrompts', 'evalPrompts', 'samplesPerPrompt'] as const) {
    if (s[key] < 1) throw new UsageError(`--${NUMBERS.find((n) => n[1] === key)![0]} must be at least 1`);
  }
  return s;
}

function loadModel(dir: string) {
  const weightsPath = join(dir, 'model.safetensors');
  if (!existsSync(weightsPath)) throw new UsageError(`${weightsPath}: not found (run npm run build:demo, or pass --model <dir>)`);
  try {
    const configPath = join(dir, 'config.json');
    const config = existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : undefined;
    return readGpt2Safetensors(readFileSync(weightsPath), config);
  } catch (error) {
    throw new UsageError(`${dir}: ${(error as Error).message}`);
  }
}

export async function sentimentCommand(argv: string[], io: Io): Promise<number> {
  const options = {
    help: { type: 'boolean' },
    betas: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    ...Object.fromEntries(NUMBERS.map(([flag]) => [flag, { type: 'string' }])),
  } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout(SENTIMENT_HELP + '\n');
    return 0;
  }
  const settings = sentimentSettingsFrom(values);
  const { config, weights } = loadModel(typeof values.model === 'string' ? values.model : join('public', 'demo', 'sentiment'));
  const started = Date.now();
  const result = await runSentimentExperiment(config, weights, sentimentPrompts(), settings, {
    onPairsProgress: (done, total) => done === total && io.stderr(`sampled ${total} prompts × 2 from the SFT model\n`),
    onMetrics: (beta, first, values) => {
      const last = metricRowCount(values) - 1;
      io.stderr(
        `β ${beta} step ${first + last}/${settings.steps}  loss ${metricAt(values, last, 'loss').toFixed(4)}  ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
      );
    },
    onPoint: (beta, p) =>
      io.stderr(
        `β ${beta} eval at step ${p.step}: reward ${p.reward.toFixed(3)}  KL ${p.kl.toFixed(3)}  held-out accuracy ${p.accuracy.toFixed(3)}\n`,
      ),
  });
  const output = {
    sft: { reward: result.sft.reward },
    pairs: result.pairs,
    runs: result.runs.map((r) => ({ beta: r.beta, points: r.points, ...(r.diverged ? { diverged: r.diverged } : {}) })),
    settings,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  const text = JSON.stringify(output);
  if (typeof values.out === 'string') writeFileSync(values.out, text + '\n');
  io.stdout(text + '\n');
  return result.runs.some((r) => r.diverged) ? 3 : 0;
}
