/**
 * Conversational rows (lists of {role, content}) rendered to text. Until a model brings a
 * chat template of its own, the built-in byte model uses Anthropic HH's plain layout:
 * each turn is "\n\n<Role>: <content>", and a prompt ends with "\n\nAssistant:" so the
 * completion is the assistant's reply (" <content>").
 */
export interface Message {
  role: string;
  content: string;
}

const ROLE_NAMES: Record<string, string> = { user: 'Human', human: 'Human', assistant: 'Assistant', system: 'System' };

export const TURN_BOUNDARY = '\n\nAssistant:';

function roleName(role: string): string {
  return ROLE_NAMES[role.toLowerCase()] ?? role.charAt(0).toUpperCase() + role.slice(1);
}

export function renderPrompt(messages: readonly Message[]): string {
  return messages.map((m) => `\n\n${roleName(m.role)}: ${m.content}`).join('') + TURN_BOUNDARY;
}

/** The completion: the first assistant turn's text, then any later turns with their headers. */
export function renderCompletion(messages: readonly Message[]): string {
  return messages.map((m, i) => (i === 0 && m.role.toLowerCase() === 'assistant' ? ` ${m.content}` : `\n\n${roleName(m.role)}: ${m.content}`)).join('');
}

/** Checks a value is a list of {role, content} strings; returns the first bad field or the messages. */
export function asMessages(value: unknown, field: string): Message[] | { field: string; message: string } {
  if (!Array.isArray(value)) return { field, message: `"${field}" must be a string or a list of {role, content} messages` };
  for (let i = 0; i < value.length; i++) {
    const m = value[i] as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null) return { field: `${field}[${i}]`, message: 'each message must be an object with role and content' };
    for (const key of ['role', 'content'] as const) {
      if (typeof m[key] !== 'string') return { field: `${field}[${i}].${key}`, message: `"${key}" must be a string` };
    }
  }
  return value as Message[];
}

/** Length of the longest common prefix of two message lists. */
export function sharedTurns(a: readonly Message[], b: readonly Message[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n].role === b[n].role && a[n].content === b[n].content) n++;
  return n;
}
