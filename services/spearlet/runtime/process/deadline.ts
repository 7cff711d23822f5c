/** Resolves with "timeout" after `ms`, unless `cancel` is called first; never keeps the process alive. */
export function deadline(ms: number): { readonly expired: Promise<"timeout">; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
    timer.unref();
  });
  return { expired, cancel: () => clearTimeout(timer) };
}
