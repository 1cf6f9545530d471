// The access token on the page: kept in memory, sent with the download request only, never
// in the store, storage or another request.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setWorker } from './connection';
import { hubToken, setHubToken } from './hub-token';
import { downloadFromHub, refreshSuggestionEstimates } from './model-actions';
import type { TrainerClient } from './trainer-client';
import { useStore } from '../state/store';
import type { ModelInfo } from '../protocol/messages';

const TOKEN = 'hf_PageTestToken0123456789abcdefgh';

const QWEN3: ModelInfo = {
  preset: 'custom',
  parameters: 596_049_920,
  nLayer: 28,
  nEmbd: 1024,
  nPositions: 40960,
  source: 'Qwen/Qwen3-0.6B',
  step: 0,
  tokenizer: 'Qwen/Qwen3-0.6B BPE (151,669 tokens)',
  vocabSize: 151936,
  hfName: 'Qwen/Qwen3-0.6B',
  family: 'llama',
  modelType: 'qwen3',
  dtype: 'BF16',
  loraTargets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  defaultLoraTargets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
};

/** A worker that records every request and answers the two this test makes. */
function fakeWorker() {
  const calls: { type: string; params: unknown }[] = [];
  const client = {
    call: async (type: string, params: unknown) => {
      calls.push({ type, params });
      if (type === 'downloadHubModel') return QWEN3;
      return { estimate: { totalBytes: 1, input: {} }, problem: null };
    },
  };
  setWorker(client as unknown as TrainerClient);
  return calls;
}

afterEach(() => {
  setHubToken('');
  vi.unstubAllGlobals();
});

describe('the Hub access token on the page', () => {
  it('goes with the download request only, and never into the store or browser storage', async () => {
    const written: string[] = [];
    const storage = { setItem: (k: string, v: string) => void written.push(k + v), getItem: () => null, removeItem: () => {} };
    vi.stubGlobal('localStorage', storage);
    vi.stubGlobal('sessionStorage', storage);
    const calls = fakeWorker();

    setHubToken(`  ${TOKEN} `);
    expect(hubToken()).toBe(TOKEN); // pasted whitespace is dropped
    await downloadFromHub('meta-llama/Llama-3.2-1B-Instruct', 'main');
    await refreshSuggestionEstimates();

    const download = calls.filter((c) => c.type === 'downloadHubModel');
    expect(download).toEqual([{ type: 'downloadHubModel', params: { repo: 'meta-llama/Llama-3.2-1B-Instruct', revision: 'main', token: TOKEN } }]);
    const others = calls.filter((c) => c.type !== 'downloadHubModel');
    expect(others.length).toBeGreaterThan(0);
    expect(JSON.stringify(others)).not.toContain(TOKEN);
    expect(JSON.stringify(useStore.getState())).not.toContain(TOKEN);
    expect(written.join('')).not.toContain(TOKEN);
    expect(useStore.getState().model?.modelType).toBe('qwen3');
    expect(useStore.getState().hubDownload).toBeNull();
  });

  it('is left out of the request when none was given', async () => {
    const calls = fakeWorker();
    setHubToken('   ');
    await downloadFromHub('HuggingFaceTB/SmolLM2-135M-Instruct', 'main');
    expect(calls[0].params).toEqual({ repo: 'HuggingFaceTB/SmolLM2-135M-Instruct', revision: 'main' });
  });
});
