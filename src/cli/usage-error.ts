/** A mistake in the command line itself; the message says how to fix it, and `nas` prints its usage and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
