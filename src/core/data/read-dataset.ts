import { normalizeRow, type RowSchema } from './normalize-row';
import type { PreferencePair } from './preference-pairs';
import { readTable, type FileType } from './read-table';

export interface DatasetProblem {
  row: number;
  field: string;
  message: string;
}

export interface ReadDataset {
  /** e.g. "jsonl/standard", "parquet/conversational". */
  format: string;
  fileType: FileType;
  /** Rows read from the file. */
  rows: number;
  pairs: PreferencePair[];
  /** Rows that could not be used; every other row is kept. */
  invalid: DatasetProblem[];
  /** Kept but flagged: identical chosen and rejected give no learning signal. */
  flagged: DatasetProblem[];
}

/**
 * Any supported file (JSONL, JSON, CSV/TSV, Parquet) in any supported schema (standard,
 * implicit prompt, conversational) to standard pairs. Never all-or-nothing: bad rows are
 * listed with their row number and field, and the good rows are kept.
 */
export async function readPreferenceDataset(name: string, bytes: Uint8Array): Promise<ReadDataset> {
  const table = await readTable(name, bytes);
  const pairs: PreferencePair[] = [];
  const invalid: DatasetProblem[] = [...table.problems];
  const flagged: DatasetProblem[] = [];
  const schemas = new Map<RowSchema, number>();
  for (const { row, value } of table.rows) {
    const result = normalizeRow(value);
    if ('field' in result) {
      invalid.push({ row, ...result });
      continue;
    }
    pairs.push(result.pair);
    schemas.set(result.schema, (schemas.get(result.schema) ?? 0) + 1);
    if (result.pair.chosen === result.pair.rejected) flagged.push({ row, field: 'chosen', message: 'chosen and rejected are identical (no learning signal)' });
  }
  invalid.sort((a, b) => a.row - b.row);
  const schema = [...schemas.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
  return { format: `${table.type}/${schema}`, fileType: table.type, rows: table.rows.length + table.problems.length, pairs, invalid, flagged };
}
