/**
 * The README.md of an exported model or adapter: Hugging Face model-card YAML front matter
 * (the Hub reads library_name, tags and base_model from it), then what the model was
 * trained from and on, the settings, the final metrics under TRL's names, and how to load it.
 */
import type { LoraConfig } from '../model/lora';
import type { DpoSettings } from '../train/settings';

export interface ModelCardInfo {
  /** null: nothing names the base (files picked one by one); the card then says so instead of inventing a name. */
  baseModel: string | null;
  /** Where the base model's name came from (core/export/base-model.ts), printed under the summary. */
  baseModelNote?: string;
  datasetName: string;
  pairCount: number;
  settings: DpoSettings;
  lora?: LoraConfig;
  /** By TRL's metric names (`loss`, `rewards/margins`, …). */
  finalMetrics: Record<string, number>;
  steps: number;
  date: string;
  appVersion: string;
}

/** A YAML double-quoted scalar: JSON's escaping is valid YAML. */
const yamlString = (text: string) => JSON.stringify(text);

/** Markdown table cell text: no pipes or line breaks. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

const formatNumber = (value: number) => (Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value));

function settingsRows(s: DpoSettings, lora?: LoraConfig): [string, string][] {
  const rows: [string, string][] = [
    ['stage', s.stage],
    ['loss', s.lossTypes.map((t, i) => (s.lossTypes.length > 1 ? `${s.lossWeights[i]}·${t}` : t)).join(' + ')],
    ['beta', String(s.beta)],
  ];
  if (s.labelSmoothing > 0) rows.push(['label_smoothing', String(s.labelSmoothing)]);
  if (s.lossTypes.includes('simpo')) rows.push(['simpo_gamma', String(s.simpoGamma)]);
  if (s.lossTypes.includes('discopop')) rows.push(['discopop_tau', String(s.discopopTau)]);
  // `?? default`: a card for a run saved before these options existed.
  const divergence = s.fDivergenceType ?? 'reverse_kl';
  if (divergence !== 'reverse_kl')
    rows.push(['f_divergence_type', divergence === 'alpha_divergence' ? `alpha_divergence (α = ${s.fAlphaDivergenceCoef})` : divergence]);
  if (s.useWeighting) rows.push(['use_weighting', 'true (WPO)']);
  if (s.ldAlpha !== null && s.ldAlpha !== undefined) rows.push(['ld_alpha', String(s.ldAlpha)]);
  rows.push([
    'reference',
    s.reference === 'none' ? 'none (reference-free)' : lora ? 'the base model, adapters off' : 'frozen copy of the start',
  ]);
  if (s.referenceSyncSteps > 0) rows.push(['TR-DPO sync', `every ${s.referenceSyncSteps} steps, α = ${s.referenceSyncAlpha}`]);
  rows.push(
    ['optimizer', `${s.optimizer}, weight decay ${s.weightDecay}`],
    ['learning_rate', `${s.learningRate} (${s.scheduler}, ${s.warmupSteps} warm-up steps)`],
    ['batch', `${s.batchSize} pairs × ${s.gradientAccumulationSteps} accumulation steps`],
    ['max_length / max_prompt_length', `${s.maxLength} / ${s.maxPromptLength}`],
    ['max_grad_norm', String(s.maxGradNorm)],
    ['seed', String(s.seed)],
  );
  if (lora) rows.push(['LoRA', `r = ${lora.rank}, alpha = ${lora.alpha}, dropout = ${lora.dropout}, on ${lora.targets.join(', ')}`]);
  return rows;
}

function loadingSection(baseModel: string | null, lora?: LoraConfig): string[] {
  if (lora) {
    const base = JSON.stringify(baseModel ?? 'path/to/the/base/model');
    return [
      '```python',
      'from peft import PeftModel',
      'from transformers import AutoModelForCausalLM, AutoTokenizer',
      '',
      `base = AutoModelForCausalLM.from_pretrained(${base})`,
      'model = PeftModel.from_pretrained(base, "path/to/this/folder")',
      `tokenizer = AutoTokenizer.from_pretrained(${base})`,
      'model = model.merge_and_unload()  # optional: a plain GPT2LMHeadModel',
      '```',
    ];
  }
  return [
    '```python',
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    '',
    'model = AutoModelForCausalLM.from_pretrained("path/to/this/folder")',
    'tokenizer = AutoTokenizer.from_pretrained("path/to/this/folder")',
    'inputs = tokenizer("The movie was", return_tensors="pt")',
    'print(tokenizer.decode(model.generate(**inputs, max_new_tokens=32)[0]))',
    '```',
  ];
}

/** The model card text (README.md) for an export. */
export function modelCard(info: ModelCardInfo): string {
  const { settings: s, lora } = info;
  const stageName = s.stage === 'sft' ? 'supervised fine-tuning on the chosen completions' : 'Direct Preference Optimization (DPO)';
  const metrics = Object.entries(info.finalMetrics);
  return [
    '---',
    `library_name: ${lora ? 'peft' : 'transformers'}`,
    ...(info.baseModel === null ? [] : [`base_model: ${yamlString(info.baseModel)}`]),
    'tags:',
    ...[s.stage === 'sft' ? 'sft' : 'dpo', 'trl', 'dpo-studio', ...(lora ? ['lora'] : [])].map((tag) => `- ${tag}`),
    `pipeline_tag: text-generation`,
    '---',
    '',
    `# ${lora ? 'LoRA adapter' : 'Model'} trained with DPO Studio`,
    '',
    `${lora ? 'A LoRA adapter for' : 'A fine-tune of'} ${info.baseModel === null ? 'a base model of unknown name' : `\`${cell(info.baseModel)}\``}, trained in the browser with ${stageName}`,
    `for ${info.steps} optimizer steps on ${info.pairCount} preference pairs from "${cell(info.datasetName)}",`,
    `with DPO Studio ${info.appVersion} on ${info.date}.`,
    '',
    ...(info.baseModelNote ? [info.baseModelNote, ''] : []),
    '## Training settings',
    '',
    '| setting | value |',
    '|---|---|',
    ...settingsRows(s, lora).map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
    '',
    '## Final metrics',
    '',
    ...(metrics.length > 0
      ? [
          "Named as TRL's DPOTrainer logs them.",
          '',
          '| metric | value |',
          '|---|---|',
          ...metrics.map(([k, v]) => `| ${cell(k)} | ${formatNumber(v)} |`),
        ]
      : ['No metrics were logged.']),
    '',
    '## How to load it',
    '',
    ...loadingSection(info.baseModel, lora),
    '',
  ].join('\n');
}
