/**
 * LoRA adapters as a PEFT adapter folder (`PeftModel.from_pretrained(base, folder)`):
 * adapter_config.json and adapter_model.safetensors with PEFT's own tensor names. GPT-2's
 * projections are Conv1D ([in, out]), so its config says fan_in_fan_out = true; the Llama
 * family's are nn.Linear (false). lora_A is [r, in] and lora_B [out, r] either way, which is
 * the layout `model/lora.ts` keeps. The config holds only keys that PEFT has accepted since
 * 0.10, so older PEFTs load it too.
 */
import { familyOf, type CausalLmFamily, type ModelConfig } from '../model/causal-lm';
import { GPT2_FAMILY } from '../model/gpt2-family';
import { LLAMA_FAMILY } from '../model/llama/family';
import { validateLoraConfig, type LoraConfig } from '../model/lora';
import type { HostWeights } from '../model/gpt-weights';
import { entryToFloat32, float32Entry, readSafetensors, writeSafetensors, type SafetensorsEntry } from '../io/safetensors';

export interface PeftAdapterInput {
  lora: LoraConfig;
  /** The base model's shape: its family decides PEFT's names and fan_in_fan_out. */
  config: ModelConfig;
  /** Adapter tensors by our names, e.g. `h.{i}.attn.c_attn.lora_A.weight` [r, in], `.lora_B.weight` [out, r]. */
  adapters: HostWeights;
  /** The base model's Hub id or folder name (adapter_config's base_model_name_or_path); null when nothing names it. */
  baseModel: string | null;
  modelCard: string;
}

const FAMILIES: readonly CausalLmFamily[] = [GPT2_FAMILY, LLAMA_FAMILY] as unknown as CausalLmFamily[];

/** Our adapter names: a projection module of the family, then `.lora_A.weight` or `.lora_B.weight`. */
function isAdapterName(family: CausalLmFamily, name: string): boolean {
  const match = /^(.*)\.lora_[AB]\.weight$/.exec(name);
  return match !== null && family.projectionPattern.test(match[1]);
}

const encode = (text: string) => new TextEncoder().encode(text);

/** adapter_config.json's content for `lora` on `baseModel`. */
export function peftAdapterConfig(lora: LoraConfig, baseModel: string | null, family: CausalLmFamily): Record<string, unknown> {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: family.projectionLayout === 'in_out',
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    modules_to_save: null,
    peft_type: 'LORA',
    r: lora.rank,
    rank_pattern: {},
    revision: null,
    target_modules: [...lora.targets],
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
  };
}

/** adapter_config.json, adapter_model.safetensors and README.md. */
export function peftAdapterFiles(input: PeftAdapterInput): Map<string, Uint8Array> {
  const family = familyOf(input.config);
  validateLoraConfig(input.lora, family.loraTargets);
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, tensor] of input.adapters) {
    if (!isAdapterName(family, name)) throw new Error(`export: "${name}" is not a LoRA adapter tensor name of a ${family.name} model`);
    tensors.set(family.peftPrefix + name, float32Entry(tensor.shape, tensor.data));
  }
  if (tensors.size === 0) throw new Error('export: there are no adapter tensors to write');
  return new Map([
    ['adapter_config.json', encode(JSON.stringify(peftAdapterConfig(input.lora, input.baseModel, family), null, 2) + '\n')],
    ['adapter_model.safetensors', writeSafetensors(tensors, { format: 'pt' })],
    ['README.md', encode(input.modelCard)],
  ]);
}

function parseConfig(bytes: Uint8Array, family: CausalLmFamily): LoraConfig {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`adapter_config.json: not valid JSON (${(error as Error).message})`);
  }
  const refuse = (why: string): never => {
    throw new Error(`adapter_config.json: ${why}`);
  };
  if (json.peft_type !== 'LORA') refuse(`peft_type "${String(json.peft_type)}" is not supported (only LORA)`);
  if (json.use_dora === true) refuse('DoRA adapters (use_dora) are not supported');
  if (json.use_rslora === true) refuse('rank-stabilized LoRA (use_rslora) is not supported');
  if (json.bias !== undefined && json.bias !== 'none') refuse(`bias "${String(json.bias)}" is not supported (only "none")`);
  const conv1d = family.projectionLayout === 'in_out';
  if (json.fan_in_fan_out === !conv1d)
    refuse(`fan_in_fan_out is ${String(json.fan_in_fan_out ?? false)}, but ${family.name} adapters are trained on ${conv1d ? 'Conv1D' : 'nn.Linear'} layers`);
  for (const key of ['rank_pattern', 'alpha_pattern']) {
    const pattern = json[key];
    if (pattern && typeof pattern === 'object' && Object.keys(pattern).length > 0) refuse(`per-module ${key} is not supported`);
  }
  const modules = json.target_modules;
  const known = family.loraTargets.join(', ');
  if (modules === 'all-linear') return { ...loraNumbers(json), targets: [...family.loraTargets] };
  if (!Array.isArray(modules)) refuse(`target_modules must be a list of module names (${known})`);
  const targets = (modules as unknown[]).map((m) => {
    const name = typeof m === 'string' ? m.split('.').pop() : undefined;
    if (!name || !family.loraTargets.includes(name)) refuse(`target module ${JSON.stringify(m)} is not one of ${known}`);
    return name as string;
  });
  const lora: LoraConfig = { ...loraNumbers(json), targets: [...new Set(targets)] };
  validateLoraConfig(lora, family.loraTargets);
  return lora;
}

function loraNumbers(json: Record<string, unknown>): Omit<LoraConfig, 'targets'> {
  return { rank: Number(json.r), alpha: Number(json.lora_alpha), dropout: json.lora_dropout === undefined ? 0 : Number(json.lora_dropout) };
}

/** Our adapter name for a PEFT tensor name (with or without the adapter's `.default` infix). */
function ourName(family: CausalLmFamily, peftName: string): string | null {
  const bare = peftName.startsWith(family.peftPrefix) ? peftName.slice(family.peftPrefix.length) : null;
  const name = bare?.replace(/\.lora_([AB])\.default\.weight$/, '.lora_$1.weight') ?? null;
  return name && isAdapterName(family, name) ? name : null;
}

/** The family whose PEFT names the adapter's tensors carry (GPT-2's `transformer.h.N`, Llama's `model.layers.N`). */
function adapterFamily(names: string[]): CausalLmFamily {
  const family = FAMILIES.find((f) => names.some((n) => ourName(f, n) !== null));
  if (!family) throw new Error(`adapter_model.safetensors: tensor "${names[0] ?? ''}" is not a LoRA weight of a GPT-2 or Llama-family projection`);
  return family;
}

/** Reads a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) for GPT-2 or the Llama family. */
export function readPeftAdapter(files: Map<string, Uint8Array>): { lora: LoraConfig; adapters: HostWeights; family: CausalLmFamily['name'] } {
  const configBytes = files.get('adapter_config.json');
  const weightBytes = files.get('adapter_model.safetensors');
  if (!configBytes) throw new Error('PEFT adapter: adapter_config.json is missing');
  if (!weightBytes)
    throw new Error('PEFT adapter: adapter_model.safetensors is missing (adapter_model.bin is not read; re-save with safetensors)');
  const stored = readSafetensors(weightBytes).tensors;
  const family = adapterFamily([...stored.keys()]);
  const lora = parseConfig(configBytes, family);
  const adapters: HostWeights = new Map();
  for (const [peftName, entry] of stored) {
    const name = ourName(family, peftName);
    if (!name) throw new Error(`adapter_model.safetensors: tensor "${peftName}" is not a LoRA weight of a ${family.name} projection`);
    const module = name.replace(/\.lora_[AB]\.weight$/, '');
    if (!lora.targets.includes(module.split('.').pop() as string)) {
      throw new Error(`adapter_model.safetensors: ${peftName} adapts ${module}, which target_modules does not name`);
    }
    const isA = name.endsWith('lora_A.weight');
    const rankAxis = isA ? 0 : 1;
    if (entry.shape.length !== 2 || entry.shape[rankAxis] !== lora.rank) {
      throw new Error(
        `adapter_model.safetensors: ${peftName} has shape [${entry.shape}], r = ${lora.rank} implies ${isA ? '[r, in]' : '[out, r]'}`,
      );
    }
    adapters.set(name, { shape: [...entry.shape], data: entryToFloat32(peftName, entry) });
  }
  for (const name of adapters.keys()) {
    const partner = name.endsWith('lora_A.weight') ? name.replace('lora_A', 'lora_B') : name.replace('lora_B', 'lora_A');
    if (!adapters.has(partner)) throw new Error(`adapter_model.safetensors: ${name} has no matching ${partner}`);
  }
  if (adapters.size === 0) throw new Error('adapter_model.safetensors: holds no LoRA weights');
  return { lora, adapters, family: family.name };
}
