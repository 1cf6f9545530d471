/**
 * The Hugging Face access token the user typed, for gated repos. It lives in this module's
 * memory for the page's life only: never in the store (whose state tests, runs and tools
 * read), localStorage, IndexedDB or Cache Storage, never logged, and sent to the worker only
 * with a download request, which uses it as the Authorization header to huggingface.co.
 */
let token = '';

export function setHubToken(value: string): void {
  token = value;
}

/** The token to send, or undefined when none was given. */
export function hubToken(): string | undefined {
  const trimmed = token.trim();
  return trimmed === '' ? undefined : trimmed;
}
