/**
 * Writes the small dataset fixtures the parsers are tested on (src/core/testing/datasets/):
 * one per file type and schema, plus malformed ones. `npm run make:dataset-fixtures`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import Papa from 'papaparse';

const dir = 'src/core/testing/datasets';
mkdirSync(dir, { recursive: true });
const write = (name: string, data: string | Uint8Array) => writeFileSync(join(dir, name), data);
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const standard = [
  { prompt: 'Capital of France?', chosen: ' Paris.', rejected: ' Rome.' },
  { prompt: 'Say hi, "politely"', chosen: ' Hello, nice to meet you!\nHow are you?', rejected: ' hi' },
  { prompt: '2+2', chosen: ' 4', rejected: ' 5' },
];

write('standard.jsonl', jsonl(standard));
write('standard.json', JSON.stringify(standard, null, 2));
write('wrapped.json', JSON.stringify({ train: standard }));
// Quoted fields holding commas, quotes and newlines: the reason to use a real CSV parser.
write('standard.csv', Papa.unparse(standard));
write('standard.tsv', Papa.unparse(standard, { delimiter: '\t' }));
const columns = (codec: 'SNAPPY' | 'GZIP') =>
  new Uint8Array(
    parquetWriteBuffer({
      codec,
      compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) },
      columnData: (['prompt', 'chosen', 'rejected'] as const).map((name) => ({ name, data: standard.map((r) => r[name]), type: 'STRING' as const })),
    }),
  );
write('standard-snappy.parquet', columns('SNAPPY'));
write('standard-gzip.parquet', columns('GZIP'));

// Anthropic HH-RLHF: no prompt column; both texts share the conversation.
write(
  'hh-implicit.jsonl',
  jsonl([
    { chosen: '\n\nHuman: What is 2+2?\n\nAssistant: It is 4.', rejected: '\n\nHuman: What is 2+2?\n\nAssistant: It is 5.' },
    {
      chosen: '\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tell me a joke\n\nAssistant: Why did the chicken cross the road?',
      rejected: '\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tell me a joke\n\nAssistant: No.',
    },
  ]),
);

// UltraFeedback-binarized: prompt string, chosen/rejected message lists repeating the user turn, extra columns.
write(
  'ultrafeedback.jsonl',
  jsonl([
    {
      prompt: 'Name a primary colour.',
      prompt_id: 'a1',
      chosen: [
        { role: 'user', content: 'Name a primary colour.' },
        { role: 'assistant', content: 'Red.' },
      ],
      rejected: [
        { role: 'user', content: 'Name a primary colour.' },
        { role: 'assistant', content: 'Purple.' },
      ],
      score_chosen: 9,
      score_rejected: 3,
    },
  ]),
);
// Conversational with a separate prompt list and assistant-only completions.
write(
  'conversational-prompt.jsonl',
  jsonl([{ prompt: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Sky colour?' }], chosen: [{ role: 'assistant', content: 'Blue.' }], rejected: [{ role: 'assistant', content: 'It depends on many things.' }] }]),
);

// Other column names: StackExchange-style pairs, and two outputs with a preference column.
write(
  'stack-exchange.jsonl',
  jsonl([
    { qid: 1, question: 'How do I exit vim?', response_j: 'Type :q and press Enter.', response_k: 'You cannot.' },
    { qid: 2, question: 'Sort a list in Python?', response_j: 'Use sorted(xs).', response_k: 'Write bubble sort.' },
  ]),
);
write(
  'preference-column.csv',
  Papa.unparse([
    { instruction: 'Greet me', output_1: 'Hello there!', output_2: 'Go away.', preference: 1 },
    { instruction: 'Count to 3', output_1: '1 2 4', output_2: '1 2 3', preference: 2 },
    { instruction: 'Tie?', output_1: 'a', output_2: 'b', preference: 0 },
  ]),
);

// Malformed: each bad row names its row and field; the good rows are kept.
write(
  'mixed-bad.jsonl',
  [
    JSON.stringify(standard[0]),
    '{"prompt": "a", "chosen": "b"}',
    'not json at all',
    JSON.stringify({ prompt: 'p', chosen: 7, rejected: 'r' }),
    JSON.stringify({ prompt: 'same', chosen: ' x', rejected: ' x' }),
    JSON.stringify({ prompt: 'p', chosen: [{ role: 'assistant' }], rejected: [{ role: 'assistant', content: 'y' }] }),
    JSON.stringify(standard[2]),
  ].join('\n') + '\n',
);
write('unbalanced.csv', 'prompt,chosen,rejected\n"ok","fine","bad"\n"open quote,never closed,x\n');
write('not-a-dataset.json', '{"hello": "world"}');
write('truncated.parquet', columns('SNAPPY').slice(0, 60));
// TRL's unpaired format (KTO): one completion and a desirable/undesirable label per row.
const unpaired = [
  { prompt: 'Capital of France?', completion: ' Paris.', label: true },
  { prompt: 'Capital of France?', completion: ' Rome.', label: false },
  { prompt: 'Say hi, "politely"', completion: ' Hello, nice to meet you!', label: true },
];
write('unpaired.jsonl', jsonl(unpaired));
write('unpaired.csv', Papa.unparse(unpaired));
write(
  'unpaired.parquet',
  new Uint8Array(
    parquetWriteBuffer({
      codec: 'SNAPPY',
      columnData: [
        { name: 'prompt', data: unpaired.map((r) => r.prompt), type: 'STRING' as const },
        { name: 'completion', data: unpaired.map((r) => r.completion), type: 'STRING' as const },
        { name: 'label', data: unpaired.map((r) => r.label), type: 'BOOLEAN' as const },
      ],
    }),
  ),
);
write(
  'unpaired-conversational.jsonl',
  jsonl([
    { prompt: [{ role: 'user', content: 'What color is the sky?' }], completion: [{ role: 'assistant', content: 'Blue.' }], label: true },
    { prompt: [{ role: 'user', content: 'What color is the sky?' }], completion: [{ role: 'assistant', content: 'Green.' }], label: false },
  ]),
);
// Labels that are not true/false, and a paired row in the same file (a file may hold both kinds).
write(
  'unpaired-bad-labels.jsonl',
  [
    JSON.stringify(unpaired[0]),
    JSON.stringify({ prompt: 'p', completion: ' c', label: 'maybe' }),
    JSON.stringify({ prompt: 'p', completion: ' c' }),
    JSON.stringify({ prompt: 'p', completion: ' c', label: 2 }),
    JSON.stringify(standard[2]),
  ].join('\n') + '\n',
);
process.stderr.write(`wrote fixtures to ${dir}\n`);
