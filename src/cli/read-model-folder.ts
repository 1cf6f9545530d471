import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadHfModel, type HfModel } from '../core/io/hf-model';
import { isHfModelFileName } from '../core/io/hf-file-names';
import { UsageError } from './train-options';

/** `--model <folder>`: reads the folder and loads it as core does for a dropped folder. */
export function readHfModelFolder(folder: string): HfModel {
  let names: string[];
  try {
    names = statSync(folder).isDirectory() ? readdirSync(folder) : [];
  } catch {
    throw new UsageError(`--model: ${folder} does not exist`);
  }
  const files = new Map(names.filter((n) => isHfModelFileName(n)).map((n) => [n, new Uint8Array(readFileSync(join(folder, n)))]));
  if (files.size === 0) throw new UsageError(`--model: ${folder} is not a folder with config.json, model.safetensors and tokenizer.json`);
  try {
    return loadHfModel(files, basename(folder));
  } catch (error) {
    throw new UsageError(`--model: ${(error as Error).message}`);
  }
}
