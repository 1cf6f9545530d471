// --dump-batches must dump exactly what was trained: a dumped row's input_ids and
// completion_mask, fed to the independent PyTorch GPT-2 (tools/oracle/gpt2_reference.py),
// give back the dumped log-probs. GPT-2's pad token is its EOS, so a dump that trimmed
// trailing pad ids would drop every completion's final EOS and miss its log-prob.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured';
import { PYTHON, requirePython } from '../../tools/system-packages';

const FIXTURE = 'src/core/testing/fixtures/tiny-gpt2';
const EOS = 50256;

/** Σ log p(token t | tokens < t) over the tokens whose mask is 1, per row, in float64 PyTorch. */
const ORACLE = `
import json, sys
import torch
sys.path.insert(0, sys.argv[1])
from gpt2_reference import read_safetensors, gpt2_logits
folder = sys.argv[2]
tensors = read_safetensors(folder + "/model.safetensors")
config = json.load(open(folder + "/config.json"))
out = []
for row in json.load(sys.stdin):
    ids = torch.tensor([row["input_ids"]], dtype=torch.long)
    logp = torch.log_softmax(gpt2_logits(tensors, config, ids)[0], dim=-1)
    total = sum(float(logp[t - 1, row["input_ids"][t]]) for t in range(1, len(row["input_ids"])) if row["completion_mask"][t] == 1)
    out.append(total)
print(json.dumps(out))
`;

interface DumpedRow {
  input_ids: number[];
  completion_mask: number[];
  logp: number;
  ref_logp: number;
}

describe('--dump-batches on a GPT-2 checkpoint', () => {
  it('dumps rows whose input_ids and completion_mask reproduce their logp in the PyTorch oracle', async () => {
    requirePython(['torch']);
    const dir = mkdtempSync(join(tmpdir(), 'dpo-dump-'));
    const dump = join(dir, 'batches.jsonl');
    const args = ['train', '--model', FIXTURE, '--data', 'e2e/fixtures/small-pairs.jsonl', '--steps', '1', '--batch-size', '2'];
    const { code, stderr } = await runCaptured(...args, '--max-length', '32', '--eval-fraction', '0', '--dump-batches', dump, '--out', join(dir, 'out'));
    expect(code, stderr).toBe(0);
    const rows: DumpedRow[] = readFileSync(dump, 'utf8')
      .trim()
      .split('\n')
      .flatMap((line) => {
        const pair = JSON.parse(line);
        return [pair.chosen, pair.rejected];
      });
    expect(rows).toHaveLength(4); // 1 step × 2 pairs × (chosen, rejected)
    // Every completion ends with the EOS, which is also the pad id, and is trained on.
    for (const row of rows) {
      expect(row.input_ids.at(-1)).toBe(EOS);
      expect(row.completion_mask.at(-1)).toBe(1);
      expect(row.completion_mask).toHaveLength(row.input_ids.length);
    }
    const oracle: number[] = JSON.parse(
      execFileSync(PYTHON, ['-c', ORACLE, resolve('tools/oracle'), resolve(FIXTURE)], { input: JSON.stringify(rows), encoding: 'utf8' }),
    );
    rows.forEach((row, i) => {
      expect(row.logp).toBeCloseTo(oracle[i], 4);
      expect(row.ref_logp).toBeCloseTo(oracle[i], 4); // step 1: policy = reference = the checkpoint
    });
  });
});
