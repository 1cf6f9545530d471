/**
 * A local stand-in for the Hub in unit tests: serves files under the Hub's URL layout
 * `/<repo>/resolve/<revision>/<file>` and records every request, so tests can count them.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HubError } from '../models/hub/hub-fetch';

/** Replaces the default answer for one file (status codes, broken bodies, slow bodies). */
export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface FakeHub {
  endpoint: string;
  /** Paths requested, in order, e.g. "/gpt2/resolve/main/config.json". */
  requests: string[];
  /** The headers of each request, in the same order. */
  headers: IncomingHttpHeaders[];
  /** Files served with 200 by path; anything else is 404. */
  files: Map<string, Uint8Array>;
  routes: Map<string, Route>;
  close(): Promise<void>;
}

export async function startFakeHub(): Promise<FakeHub> {
  const files = new Map<string, Uint8Array>();
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    headers.push(req.headers);
    const route = routes.get(path);
    if (route) return route(req, res);
    const body = files.get(path);
    if (!body) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    headers,
    files,
    routes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic bytes of a given length (contents do not matter to the downloader). */
export function bytesOf(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** The HubError a download rejects with; throws (failing the test) if it resolves or rejects with anything else. */
export async function hubFailure(promise: Promise<unknown>): Promise<HubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HubError)) throw new Error(`expected a HubError, got ${error === undefined ? 'success' : String(error)}`);
  return error;
}
