/** An HTTP header list: kept in order, looked up case-insensitively. */
export class HttpHeaders implements Iterable<readonly [string, string]> {
  private readonly list: (readonly [string, string])[];

  constructor(entries: Iterable<readonly [string, string]> = []) {
    this.list = [...entries];
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
    for (const [n, v] of this.list) if (n.toLowerCase() === wanted) out.push(v);
    return out;
  }

  has(name: string): boolean {
    return this.getAll(name).length > 0;
  }

  /** Number of header lines. */
  get size(): number {
    return this.list.length;
  }

  [Symbol.iterator](): Iterator<readonly [string, string]> {
    return this.list[Symbol.iterator]();
  }
}
