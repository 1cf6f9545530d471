// TF-free: the page feeds long histories to its charts a piece per task with it.

/**
 * Lets queued messages (a stop request) and other tasks run between long stretches of work.
 * A device read-back on cpu/wasm resolves without a macrotask, so awaiting it is not enough.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));
