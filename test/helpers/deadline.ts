/**
 * One deadline for several awaits of a run: `race` fails with the deadline's error once `ms` have
 * passed, and `clear` stops the timer. A run must clear it: a pending timer keeps its callback's
 * scope alive, and with it everything the run made (its graph, its buffers) until the timer fires,
 * which made a long fuzz campaign run out of memory (thousands of runs per second, each kept 5 s).
 */
export class Deadline {
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly expired: Promise<never>;

  constructor(ms: number, message: string) {
    let fail!: (error: Error) => void;
    this.expired = new Promise<never>((_, reject) => {
      fail = reject;
    });
    // A deadline nobody is racing when it expires is not an unhandled rejection.
    this.expired.catch(() => {});
    this.timer = setTimeout(() => fail(new Error(message)), ms);
  }

  /** `promise`, or the deadline's error if it expires first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.expired]);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
