import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured';

const cli = runCaptured;

const DIR = 'src/core/testing/datasets';

describe('cli inspect', () => {
  it('prints format, counts and every unusable row', async () => {
    const { code, stdout } = await cli('inspect', `${DIR}/mixed-bad.jsonl`);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ format: 'jsonl/standard', rows: 7, valid: 3 });
    expect(report.invalid.map((p: { row: number }) => p.row)).toEqual([2, 3, 4, 6]);
    expect(report.flagged).toHaveLength(1);
  });

  it('reads Parquet', async () => {
    const report = JSON.parse((await cli('inspect', `${DIR}/standard-gzip.parquet`)).stdout);
    expect(report).toMatchObject({ format: 'parquet/standard', rows: 3, valid: 3, invalid: [] });
  });

  it.each([['not-a-dataset.json'], ['truncated.parquet'], ['missing.jsonl']])(
    '%s: exit 2, one line on stderr, nothing on stdout',
    async (name) => {
      const { code, stdout, stderr } = await cli('inspect', `${DIR}/${name}`);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^error: /);
    },
  );

  it('train --data accepts the other formats', async () => {
    const { code, stdout } = await cli(
      'train',
      '--data',
      `${DIR}/ultrafeedback.jsonl`,
      '--steps',
      '1',
      '--batch-size',
      '1',
      '--eval-fraction',
      '0',
      '--out',
      '/tmp/dpo-cli-uf',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout).trainPairs).toBe(1);
  });
});

describe('cli inspect on model files', () => {
  const BAD = 'src/core/testing/bad-files';
  it.each([
    'exabyte-header.safetensors',
    'overlapping-offsets.safetensors',
    'truncated-model.safetensors',
    'nan-weights.safetensors',
    'unknown-dtype.safetensors',
  ])('%s: exit 2 and one line naming the problem', async (name) => {
    const { code, stdout, stderr } = await cli('inspect', `${BAD}/${name}`);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`^error: ${BAD}/${name}: (safetensors: |model.safetensors: )`));
  });

  it('a usable model reports its shape', async () => {
    const { code, stdout } = await cli('inspect', 'public/demo/sentiment/model.safetensors');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'model', config: { nEmbd: 64, nLayer: 2 }, parameters: 120704 });
  });
});
