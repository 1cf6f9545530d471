import { readDatasetFile } from './read-dataset-file';
import { UsageError } from './train-options';
import type { Io } from './train-command';

export const INSPECT_HELP = `usage: npm run -s cli -- inspect <file>

Reads a dataset (JSONL, JSON, CSV/TSV, Parquet; standard, HH-RLHF implicit-prompt or
conversational rows) and prints one JSON object: format, rows (rows read), valid (pairs kept),
invalid (a list of {row, field, message}) and flagged (rows kept but suspicious, e.g. identical
chosen and rejected). Exit 0 when the file was readable, 2 with one line on stderr when not.`;

export async function inspectCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout(INSPECT_HELP + '\n');
    return 0;
  }
  if (argv.length !== 1) throw new UsageError('inspect takes exactly one file');
  const read = await readDatasetFile(argv[0]);
  io.stdout(JSON.stringify({ format: read.format, rows: read.rows, valid: read.pairs.length, invalid: read.invalid, flagged: read.flagged }) + '\n');
  return 0;
}
