import { normalizeRow, type ColumnMapping, type RowSchema } from './normalize-row';
import type { PreferencePair } from './preference-pairs';
import type { UnpairedExample } from './unpaired';
import { detectFileType, readTable, UnreadableFileError, type FileType } from './read-table';

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
  /** Rows in TRL's unpaired format ({prompt, completion, label}), for KTO; a file may hold both kinds. */
  unpaired: UnpairedExample[];
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

/** A file read in chunks (a browser File's stream, a Node read stream), so it is never whole in memory. */
export interface ChunkedSource {
  size: number;
  /** The first bytes, to recognise the file type. */
  head: Uint8Array;
  chunks(): AsyncIterable<Uint8Array>;
}

/** A value's first 80 characters as JSON, for the mapping dialog (a hostile value nested too deep to print is named, not thrown). */
function preview(value: unknown): string {
  try {
    return JSON.stringify(value ?? null).slice(0, 80);
  } catch {
    return '(nested too deeply to show)';
  }
}

/** Collects normalized pairs row by row, so raw rows are dropped as soon as they are read. */
class PairCollector {
  readonly pairs: PreferencePair[] = [];
  readonly unpaired: UnpairedExample[] = [];
  readonly invalid: DatasetProblem[] = [];
  readonly flagged: DatasetProblem[] = [];
  private readonly schemas = new Map<RowSchema, number>();
  private first: unknown;
  rows = 0;

  constructor(private readonly mapping?: ColumnMapping) {}

  add(row: number, value: unknown): void {
    this.rows++;
    if (this.first === undefined) this.first = value;
    let result;
    try {
      result = normalizeRow(value, this.mapping);
    } catch (error) {
      // A hostile row nested thousands deep overflows the stack while being read; it is one bad row.
      if (!(error instanceof RangeError)) throw error;
      this.invalid.push({ row, field: '(row)', message: 'nested too deeply to be a preference pair' });
      return;
    }
    if ('field' in result) {
      this.invalid.push({ row, ...result });
      return;
    }
    this.schemas.set(result.schema, (this.schemas.get(result.schema) ?? 0) + 1);
    if ('unpaired' in result) {
      this.unpaired.push(result.unpaired);
      return;
    }
    this.pairs.push(result.pair);
    if (result.pair.chosen === result.pair.rejected)
      this.flagged.push({ row, field: 'chosen', message: 'chosen and rejected are identical (no learning signal)' });
  }

  problem(row: number, field: string, message: string): void {
    this.rows++;
    this.invalid.push({ row, field, message });
  }

  result(type: FileType): ReadDataset {
    this.invalid.sort((a, b) => a.row - b.row);
    const schema = [...this.schemas.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
    const first = this.first;
    const columns = typeof first === 'object' && first !== null && !Array.isArray(first) ? Object.keys(first) : [];
    const needsMapping =
      !this.mapping && this.pairs.length === 0 && this.unpaired.length === 0 && columns.length > 0 && !columns.includes('chosen') && !columns.includes('completion');
    const format = this.mapping ? `${type}/mapped` : `${type}/${schema}`;
    const sample = Object.fromEntries(columns.map((c) => [c, preview((first as Record<string, unknown>)[c])]));
    return {
      format,
      fileType: type,
      rows: this.rows,
      pairs: this.pairs,
      unpaired: this.unpaired,
      invalid: this.invalid,
      flagged: this.flagged,
      columns,
      sample,
      needsMapping,
    };
  }
}

/** A JSONL line longer than this is refused as a row (a hostile or wrong file must not grow memory without bound). */
export const MAX_ROW_CHARS = 16 * 1024 * 1024;

/** JSONL from chunks: lines are decoded and parsed as they arrive (UTF-8 split across chunks included). */
async function streamJsonl(
  name: string,
  source: ChunkedSource,
  collector: PairCollector,
  onProgress?: (bytes: number) => void,
): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry = '';
  let line = 0;
  let bytes = 0;
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      collector.problem(line, '(row)', `not valid JSON: ${(error as Error).message}`);
      return;
    }
    collector.add(line, value);
  };
  // The rest of a line too long to be a row is skipped up to its newline, never buffered.
  let skipping = false;
  try {
    for await (const chunk of source.chunks()) {
      bytes += chunk.byteLength;
      let text = decoder.decode(chunk, { stream: true });
      if (skipping) {
        const newline = text.indexOf('\n');
        skipping = newline < 0;
        text = skipping ? '' : text.slice(newline + 1);
      }
      const lines = (carry + text).split('\n');
      carry = lines.pop() ?? '';
      for (const row of lines) take(row.endsWith('\r') ? row.slice(0, -1) : row);
      if (carry.length > MAX_ROW_CHARS) {
        line++;
        collector.problem(
          line,
          '(row)',
          `longer than ${MAX_ROW_CHARS / 1024 / 1024} MB without a line break: no preference pair is that big (is this a dataset?); skipped`,
        );
        carry = '';
        skipping = true;
      }
      onProgress?.(bytes);
    }
    carry += decoder.decode();
  } catch (error) {
    if (error instanceof TypeError) throw new UnreadableFileError(`${name}: not UTF-8 text (is it a dataset?)`);
    throw error;
  }
  if (carry !== '') take(carry);
}

async function collect(source: ChunkedSource): Promise<Uint8Array> {
  const out = new Uint8Array(source.size);
  let offset = 0;
  for await (const chunk of source.chunks()) {
    out.set(chunk.subarray(0, Math.max(0, out.length - offset)), offset);
    offset += chunk.byteLength;
  }
  return out.subarray(0, Math.min(offset, out.length));
}

/**
 * Any supported file (JSONL, JSON, CSV/TSV, Parquet) in any supported schema (standard,
 * implicit prompt, conversational) to standard pairs. Never all-or-nothing: bad rows are
 * listed with their row number and field, and the good rows are kept. JSONL given as a
 * ChunkedSource is streamed: only the kept pairs stay in memory. Other types are read whole.
 */
export async function readPreferenceDataset(
  name: string,
  input: Uint8Array | ChunkedSource,
  mapping?: ColumnMapping,
  onProgress?: (bytes: number) => void,
): Promise<ReadDataset> {
  const collector = new PairCollector(mapping);
  const chunked = !(input instanceof Uint8Array);
  const type = detectFileType(name, chunked ? input.head : input);
  if (chunked && type === 'jsonl') {
    await streamJsonl(name, input, collector, onProgress);
    return collector.result(type);
  }
  const bytes = chunked ? await collect(input) : input;
  onProgress?.(bytes.byteLength);
  const table = await readTable(name, bytes);
  const rows = [
    ...table.rows.map((r) => ({ ...r, problem: undefined })),
    ...table.problems.map((p) => ({ row: p.row, value: undefined, problem: p })),
  ].sort((a, b) => a.row - b.row);
  for (const r of rows) {
    if (r.problem) collector.problem(r.row, r.problem.field, r.problem.message);
    else collector.add(r.row, r.value);
  }
  return collector.result(table.type);
}
