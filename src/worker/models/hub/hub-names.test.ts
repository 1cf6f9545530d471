import { describe, expect, it } from 'vitest';
import { hubFileUrl, isPlainShardName, validateHubRequest, validateRepoId, validateRevision } from './hub-names';

describe('validateRepoId', () => {
  it.each(['gpt2', 'openai-community/gpt2', 'distilbert/distilgpt2', 'sshleifer/tiny-gpt2', 'a_b/c.d-e', 'x/' + 'n'.repeat(96)])('accepts %s', (repo) => {
    expect(validateRepoId(repo)).toBeNull();
  });

  it.each([
    ['', 'enter a model repo'],
    ['a/b/c', 'more than one "/"'],
    ['/gpt2', 'owner is empty'],
    ['owner/', 'repo name is empty'],
    ['../etc', 'may not start or end'],
    ['owner/gpt 2', 'may only use'],
    ['owner/gpt2?x=1', 'may only use'],
    ['owner/a--b', 'may not contain "--" or ".."'],
    ['owner/a..b', 'may not contain "--" or ".."'],
    ['owner/-gpt2', 'may not start or end'],
    ['owner/repo.git', 'may not end with ".git"'],
    ['x/' + 'n'.repeat(97), 'longer than 96'],
  ])('refuses %j', (repo, message) => {
    expect(validateRepoId(repo)).toContain(message);
  });
});

describe('validateRevision', () => {
  it.each(['main', 'v1.0', 'refs/pr/1', 'feature/x-y', '607a30d783dfa663caf39e06633721c8d4cfcd7e'])('accepts %s', (revision) => {
    expect(validateRevision(revision)).toBeNull();
  });

  it.each(['', 'a b', 'main..x', 'x~1', 'HEAD^', 'a:b', 'x/', '/x', '.hidden', 'br.lock', 'a@{1}', 'a//b', 'new\nline'])('refuses %j', (revision) => {
    expect(validateRevision(revision)).not.toBeNull();
  });
});

describe('validateHubRequest', () => {
  it('checks the endpoint too', () => {
    expect(validateHubRequest({ repo: 'gpt2', revision: 'main' })).toBeNull();
    expect(validateHubRequest({ repo: 'gpt2', revision: 'main', endpoint: 'https://hf-mirror.example/' })).toBeNull();
    expect(validateHubRequest({ repo: 'gpt2', revision: 'main', endpoint: 'ftp://x' })).toContain('https://');
    expect(validateHubRequest({ repo: 'gpt2', revision: 'main', endpoint: 'not a url' })).toContain('not a URL');
    expect(validateHubRequest({ repo: 'gpt2', revision: 'main x' })).toContain('space');
  });
});

describe('hubFileUrl', () => {
  it('uses the Hub layout, the default endpoint and an encoded revision', () => {
    expect(hubFileUrl({ repo: 'openai-community/gpt2', revision: 'main' }, 'config.json')).toBe(
      'https://huggingface.co/openai-community/gpt2/resolve/main/config.json',
    );
    expect(hubFileUrl({ repo: 'gpt2', revision: 'refs/pr/1', endpoint: 'http://127.0.0.1:9/' }, 'model.safetensors')).toBe(
      'http://127.0.0.1:9/gpt2/resolve/refs%2Fpr%2F1/model.safetensors',
    );
  });
});

describe('isPlainShardName', () => {
  it('accepts shard files in the repo root only', () => {
    expect(isPlainShardName('model-00001-of-00002.safetensors')).toBe(true);
    for (const bad of ['../model.safetensors', 'sub/model.safetensors', '.safetensors', 'model.bin', 'a..b.safetensors', 7]) {
      expect(isPlainShardName(bad)).toBe(false);
    }
  });
});
