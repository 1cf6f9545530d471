/** Saves bytes the worker produced as a file: wrap in a Blob, click a link. */
export function download(fileName: string, data: ArrayBuffer, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
