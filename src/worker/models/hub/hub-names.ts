/**
 * What a Hub request may name. Everything here ends up in a URL the worker fetches, so the
 * rules are the Hub's own (huggingface_hub's validate_repo_id, git's ref-name rules) and a
 * name that passes cannot walk out of `/<repo>/resolve/<revision>/`.
 */

export interface HubRequest {
  /** "owner/name" or "name". */
  repo: string;
  /** A branch, a tag, or a 40-hex commit sha. */
  revision: string;
  /** Default 'https://huggingface.co'; a mirror with the same URL layout also works. */
  endpoint?: string;
}

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

const MAX_NAME = 96;
const NAME_CHARS = /^[A-Za-z0-9_.-]+$/;

function nameProblem(part: string, what: string): string | null {
  if (part.length === 0) return `the ${what} is empty`;
  if (part.length > MAX_NAME) return `the ${what} is longer than ${MAX_NAME} characters`;
  if (!NAME_CHARS.test(part)) return `the ${what} "${part}" may only use letters, digits, "-", "_" and "."`;
  if (/^[-.]|[-.]$/.test(part)) return `the ${what} "${part}" may not start or end with "-" or "."`;
  if (part.includes('--') || part.includes('..')) return `the ${what} "${part}" may not contain "--" or ".."`;
  return null;
}

/** A message saying what is wrong with a repo id, or null when it is a valid "owner/name" or "name". */
export function validateRepoId(repo: string): string | null {
  if (typeof repo !== 'string' || repo.trim() === '') return 'enter a model repo, like "openai-community/gpt2"';
  const parts = repo.split('/');
  if (parts.length > 2) return `"${repo}" has more than one "/"; a repo is "owner/name" or "name"`;
  const problem = parts.length === 2 ? (nameProblem(parts[0], 'owner') ?? nameProblem(parts[1], 'repo name')) : nameProblem(parts[0], 'repo name');
  if (problem) return problem;
  if (repo.endsWith('.git')) return `the repo name "${repo}" may not end with ".git"`;
  return null;
}

/** A message saying what is wrong with a revision, or null for a plausible branch, tag or commit sha. */
export function validateRevision(revision: string): string | null {
  if (typeof revision !== 'string' || revision === '') return 'enter a revision: a branch (like "main"), a tag or a commit sha';
  if (revision.length > 255) return 'the revision is longer than 255 characters';
  if (/^[0-9a-f]{40}$/.test(revision)) return null;
  // git check-ref-format, which is what the Hub accepts for branch and tag names.
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(revision)) return `the revision "${revision}" contains a space or one of ~ ^ : ? * [ \\`;
  if (revision.includes('..') || revision.includes('@{') || revision.includes('//')) {
    return `the revision "${revision}" may not contain "..", "@{" or "//"`;
  }
  if (/^[/.-]|[/.]$|\.lock$|\/\./.test(revision) || revision === '@') {
    return `"${revision}" is not a valid branch or tag name`;
  }
  return null;
}

/** A message for the first thing wrong with the request (endpoint, repo, revision), or null. */
export function validateHubRequest(req: HubRequest): string | null {
  if (req.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(req.endpoint);
    } catch {
      return `the Hub address "${req.endpoint}" is not a URL`;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `the Hub address "${req.endpoint}" must start with https://`;
    if (url.search || url.hash || url.username || url.password) return `the Hub address "${req.endpoint}" may not carry a query, fragment or login`;
  }
  return validateRepoId(req.repo) ?? validateRevision(req.revision);
}

/** `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file}` */
export function hubFileUrl(req: HubRequest, file: string): string {
  const endpoint = (req.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  return `${endpoint}/${req.repo}/resolve/${encodeURIComponent(req.revision)}/${file}`;
}

/** A shard name from an index's weight_map: a plain file in the repo root, nothing that climbs out. */
export function isPlainShardName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 255 && /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.safetensors$/.test(name) && !name.includes('..');
}
