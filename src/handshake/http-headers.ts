/** An HTTP header list: kept in order, looked up case-insensitively. */
export class HttpHeaders implements Iterable<readonly [string, string]> {
  /**
   * Names and values alternating in one flat array: an upgrade response stays with its open
   * connection, and an array per header line would cost more than the line.
   */
  private readonly flat: readonly string[];

  constructor(entries: Iterable<readonly [string, string]> = []) {
    const flat: string[] = [];
    for (const [name, value] of entries) flat.push(name, value);
    this.flat = flat.slice(); // exact size: a pushed-to array keeps spare capacity
  }

  /** All values of `name`, joined with ", " as RFC 9110 §5.3 allows; undefined when absent. */
  get(name: string): string | undefined {
    const values = this.getAll(name);
    return values.length === 0 ? undefined : values.join(", ");
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const wanted = name.toLowerCase();
    const out: string[] = [];
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === wanted) out.push(flat[i + 1]!);
    return out;
  }

  has(name: string): boolean {
    return this.getAll(name).length > 0;
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
