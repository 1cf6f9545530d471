import { readFileSync } from 'node:fs';
import { readPreferenceDataset, type ReadDataset } from '../core/data/read-dataset';
import { UnreadableFileError } from '../core/data/read-table';
import { UsageError } from './train-options';

/** Reads a dataset file of any supported type; an unreadable one is a UsageError (exit 2). */
export async function readDatasetFile(path: string, flag?: string): Promise<ReadDataset> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`${flag ? `--${flag}: ` : ''}cannot read ${path} (${why})`);
  }
  try {
    return await readPreferenceDataset(path, bytes);
  } catch (error) {
    if (error instanceof UnreadableFileError) throw new UsageError(error.message);
    throw error;
  }
}
