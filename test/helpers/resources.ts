/** Leak checks: no socket, server or timer left behind by the code under test. */
import assert from "node:assert/strict";

const WATCHED = new Set([
  "TCPSocketWrap",
  "TCPServerWrap",
  "TLSWrap",
  "Timeout",
  "Immediate",
  "SimpleShutdownWrap",
]);

function watched(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo())
    if (WATCHED.has(r)) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Takes a snapshot; `check()` waits (up to `ms`) for the watched resources to return to it. */
export function resourceSnapshot(): { check(ms?: number): Promise<void> } {
  const before = watched();
  return {
    async check(ms = 1000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const now = watched();
        const extra = [...now].filter(([k, n]) => n > (before.get(k) ?? 0));
        if (extra.length === 0) return;
        if (Date.now() > deadline)
          assert.fail(`resources left behind: ${JSON.stringify(Object.fromEntries(extra))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
