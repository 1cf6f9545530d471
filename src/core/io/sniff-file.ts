/**
 * What a dropped file is, from its first bytes rather than its name (downloads and drags
 * lose or change extensions): a model (an exported run's zip, or a safetensors file) or
 * anything else, which is read as a dataset.
 */
export type FileKind = 'model' | 'data';

export function sniffFileKind(bytes: Uint8Array): FileKind {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'model';
  if (bytes.length >= 9) {
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (headerLength > 1n && headerLength <= BigInt(bytes.length - 8) && bytes[8] === 0x7b /* { */) return 'model';
  }
  return 'data';
}
