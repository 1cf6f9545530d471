import { readFileSync } from 'node:fs';
import { sniffFileKind } from '../core/io/sniff-file';
import { loadModelFile } from '../core/io/run-bundle';
import { countParameters } from '../core/model/causal-lm';
import { readDatasetFile } from './read-dataset-file';
import { UsageError } from './train-options';
import type { Io } from './train-command';

export const INSPECT_HELP = `usage: npm run -s cli -- inspect <file>

Reads a dataset (JSONL, JSON, CSV/TSV, Parquet; standard, HH-RLHF implicit-prompt or
conversational rows) and prints one JSON object: format, rows (rows read), valid (pairs kept),
invalid (a list of {row, field, message}) and flagged (rows kept but suspicious, e.g. identical
chosen and rejected). A model file (an exported zip or a .safetensors) is checked tensor by
tensor instead: kind "model", its config, parameters and the step it was trained to.
Exit 0 when the file was usable, 2 with one line on stderr when not.`;

function looksLikeModel(path: string, bytes: Uint8Array): boolean {
  return /\.(safetensors|zip)$/i.test(path) || sniffFileKind(bytes.subarray(0, 64 * 1024), bytes.length) === 'model';
}

function inspectModel(path: string, bytes: Uint8Array) {
  try {
    const { config, run } = loadModelFile(path, bytes);
    return { kind: 'model', config, parameters: countParameters(config), step: run?.step ?? null };
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
}

export async function inspectCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout(INSPECT_HELP + '\n');
    return 0;
  }
  if (argv.length !== 1) throw new UsageError('inspect takes exactly one file');
  const [path] = argv;
  let bytes: Uint8Array | null = null;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    // readDatasetFile reports an unreadable path with its reason
  }
  if (bytes && looksLikeModel(path, bytes)) {
    io.stdout(JSON.stringify(inspectModel(path, bytes)) + '\n');
    return 0;
  }
  const read = await readDatasetFile(path);
  io.stdout(
    JSON.stringify({ format: read.format, rows: read.rows, valid: read.pairs.length, invalid: read.invalid, flagged: read.flagged }) + '\n',
  );
  return 0;
}
