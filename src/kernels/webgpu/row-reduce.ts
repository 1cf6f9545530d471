/**
 * A WGSL tree reduction in workgroup memory, shared by the row-wise kernels (one workgroup per
 * row). Every thread of the workgroup must call it, also those of a row past the end: a
 * barrier inside non-uniform control flow is invalid.
 */
export function rowWorkgroupSize(width: number): number {
  return width >= 1024 ? 256 : 64;
}

/** Declares `partialName` and a function `name(value) -> f32` returning the workgroup's sum. */
export function workgroupSumSnippet(name: string, size: number): string {
  return `
    var<workgroup> ${name}Partial : array<f32, ${size}>;
    fn ${name}(value : f32) -> f32 {
      let tid = i32(localId.x);
      ${name}Partial[tid] = value;
      workgroupBarrier();
      for (var half = ${size / 2}; half > 0; half = half / 2) {
        if (tid < half) {
          ${name}Partial[tid] = ${name}Partial[tid] + ${name}Partial[tid + half];
        }
        workgroupBarrier();
      }
      let total = ${name}Partial[0];
      workgroupBarrier();
      return total;
    }
  `;
}
