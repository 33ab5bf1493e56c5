/**
 * The kit's convention for a capability that a kit file may not use (docs/memory.md): its module is imported on first
 * use, once, so a kit that never uses it never pays the memory for it. `const mailer = onFirstUse(() => import('nodemailer'))`
 * at module level, then `(await mailer()).default` where it is needed.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    return loading;
  };
}
