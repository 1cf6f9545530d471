/**
 * What a dropped file is, from its first bytes rather than its name (downloads and drags
 * lose or change extensions): a model (an exported run's zip, or a safetensors file) or
 * anything else, which is read as a dataset. Only when the bytes cannot say (a damaged
 * safetensors whose header length is forged) does the name decide, so that a broken model
 * file is reported as a model file and never parsed as text.
 */
export type FileKind = 'model' | 'data';

/** A zip's local-file-header signature, "PK\x03\x04". */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * @param head the file's first bytes (64 KiB is plenty)
 * @param size the whole file's size, when `head` is only its start
 * @param name the file's name: its extension is the last word when the content is unclear
 */
export function sniffFileKind(head: Uint8Array, size = head.length, name = ''): FileKind {
  if (isZip(head)) return 'model';
  if (head.length >= 9) {
    const headerLength = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (headerLength > 1n && headerLength <= BigInt(size - 8) && head[8] === 0x7b /* { */) return 'model';
  }
  return /\.safetensors$/i.test(name) ? 'model' : 'data';
}
