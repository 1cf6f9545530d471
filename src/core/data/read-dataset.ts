import { normalizeRow, type ColumnMapping, type RowSchema } from './normalize-row';
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
  /** The columns of the first row and a short preview of its values (for mapping other column names). */
  columns: string[];
  sample: Record<string, string>;
  /** No row has chosen/rejected under any known schema: the user should map columns. */
  needsMapping: boolean;
}

/**
 * Any supported file (JSONL, JSON, CSV/TSV, Parquet) in any supported schema (standard,
 * implicit prompt, conversational) to standard pairs. Never all-or-nothing: bad rows are
 * listed with their row number and field, and the good rows are kept.
 */
export async function readPreferenceDataset(name: string, bytes: Uint8Array, mapping?: ColumnMapping): Promise<ReadDataset> {
  const table = await readTable(name, bytes);
  const pairs: PreferencePair[] = [];
  const invalid: DatasetProblem[] = [...table.problems];
  const flagged: DatasetProblem[] = [];
  const schemas = new Map<RowSchema, number>();
  for (const { row, value } of table.rows) {
    const result = normalizeRow(value, mapping);
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
  const first = table.rows[0]?.value;
  const columns = typeof first === 'object' && first !== null && !Array.isArray(first) ? Object.keys(first) : [];
  const needsMapping = !mapping && pairs.length === 0 && columns.length > 0 && !columns.includes('chosen');
  const format = mapping ? `${table.type}/mapped` : `${table.type}/${schema}`;
  const sample = Object.fromEntries(columns.map((c) => [c, JSON.stringify((first as Record<string, unknown>)[c] ?? null).slice(0, 80)]));
  return { format, fileType: table.type, rows: table.rows.length + table.problems.length, pairs, invalid, flagged, columns, sample, needsMapping };
}
