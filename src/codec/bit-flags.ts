/**
 * Yes/no states kept as bits of one number. A long-lived object (one per open connection) pays a
 * word for every boolean field; a few flags in one number cost one.
 */

/** Whether any bit of `mask` is set in `flags`. */
export function hasFlag(flags: number, mask: number): boolean {
  return (flags & mask) !== 0;
}

/** `flags` with the bits of `mask` set (`on`) or cleared. */
export function withFlag(flags: number, mask: number, on: boolean): number {
  return on ? flags | mask : flags & ~mask;
}
