/** An HTTP header list: kept in order, looked up case-insensitively. */
export class HttpHeaders implements Iterable<readonly [string, string]> {
  /**
   * Names and values alternating in one flat array: an upgrade response stays with its open
   * connection, and an array per header line would cost more than the line.
   */
  private flat: readonly string[];

  constructor(entries: Iterable<readonly [string, string]> = []) {
    const flat: string[] = [];
    for (const [name, value] of entries) flat.push(name, value);
    this.flat = flat.slice(); // exact size: a pushed-to array keeps spare capacity
  }

  /**
   * @internal Headers from names and values alternating (`[name1, value1, name2, value2, …]`), as a
   * parser collects them: no pair per line to make and take apart. The array is copied.
   */
  static fromNamesAndValues(namesAndValues: readonly string[]): HttpHeaders {
    const headers = new HttpHeaders();
    headers.flat = namesAndValues.slice();
    return headers;
  }

  /** All values of `name`, joined with ", " as RFC 9110 §5.3 allows; undefined when absent. */
  get(name: string): string | undefined {
    // No array for the usual single value (every handshake looks several headers up).
    const wanted = name.toLowerCase();
    const flat = this.flat;
    let found: string | undefined;
    let more: string[] | undefined;
    for (let i = 0; i < flat.length; i += 2) {
      if (!sameName(flat[i]!, wanted)) continue;
      if (found === undefined) found = flat[i + 1]!;
      else (more ??= [found]).push(flat[i + 1]!);
    }
    return more === undefined ? found : more.join(", ");
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const wanted = name.toLowerCase();
    const out: string[] = [];
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) if (sameName(flat[i]!, wanted)) out.push(flat[i + 1]!);
    return out;
  }

  has(name: string): boolean {
    const wanted = name.toLowerCase();
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) if (sameName(flat[i]!, wanted)) return true;
    return false;
  }

  /** Number of header lines. */
  get size(): number {
    return this.flat.length / 2;
  }

  *[Symbol.iterator](): Iterator<readonly [string, string]> {
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!] as const;
  }
}

/**
 * Whether header name `name` is `lower` (already lower case), ignoring ASCII case: without the
 * lower-cased copy of `name` that `toLowerCase` would make for each line of each lookup.
 */
function sameName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}
