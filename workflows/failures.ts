/** How the workflows turn a failure chain into what a person reads. */

/** The innermost message of a failure chain: what a person needs to read. */
export function rootMessage(err: unknown): string {
  let e: unknown = err;
  let msg = e instanceof Error ? e.message : String(e);
  while (e instanceof Error && e.cause) {
    e = e.cause;
    if (e instanceof Error && e.message) msg = e.message;
  }
  return msg;
}
