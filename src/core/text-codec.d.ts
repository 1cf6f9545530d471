// core compiles without the DOM lib (it must not touch browser globals), but TextEncoder and
// TextDecoder exist in every runtime core runs in: Node, workers and pages.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
