// Worker entry: all training runs here, off the page's main thread.
import { createHandler, type WorkerPort } from './handler';
import type { Request } from '../protocol/messages';

const scope = self as unknown as WorkerPort & { onmessage: ((event: MessageEvent<Request>) => void) | null };
const handle = createHandler(scope);
scope.onmessage = (event) => void handle(event.data);
