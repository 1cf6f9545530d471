import { SettingsError } from '../core/train/settings';
import type { ErrorCode, WireError } from '../protocol/messages';

/** An error whose code the UI can branch on. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

export function toWireError(error: unknown): WireError {
  if (error instanceof SettingsError) return { name: error.name, message: error.message, code: 'bad-setting', field: error.field };
  if (error instanceof CodedError) return { name: error.name, message: error.message, code: error.code };
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, code: 'internal', stack: e.stack };
}
