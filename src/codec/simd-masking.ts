/**
 * Masking with WebAssembly SIMD (`v128.xor`, 64 bytes a step), for long payloads: a JS word loop
 * masks at ~3.5 GB/s on Node 20, the SIMD kernel several times faster, with no native
 * dependency (Node >= 16, Deno and Bun all run it). Payloads go through the module's memory in
 * blocks: copy in, XOR, copy out — unless the target already lies in that memory (a frame built
 * in the `FrameArena`), when the payload is copied in once and masked where it lies. Where
 * WebAssembly is missing, callers fall back to JS.
 */
import { MASK_WASM_BASE64 } from "./wasm/mask-wasm.js";

/** Block size: small enough that the copy in, the XOR and the copy out all hit L1. */
const BLOCK = 16 * 1024;
/** The kernel's scratch: its first 64 KiB page. What follows belongs to the frame arena. */
export const SCRATCH_BYTES = 64 * 1024;
/**
 * The frame arena's share of the memory (see frame-arena.ts). Address space only: pages cost
 * memory once a frame is built in them.
 */
export const ARENA_BYTES = 6 * 1024 * 1024;
const PAGE = 64 * 1024;

/** The little of the WebAssembly API used here (the project's `lib` has no DOM types). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  mask: Kernel["mask"];
}

interface Kernel {
  readonly memory: Uint8Array;
  readonly mask: (ptr: number, length: number, key: number) => void;
}

let kernel: Kernel | null | undefined;

function loadKernel(): Kernel | null {
  try {
    const binary = atob(MASK_WASM_BASE64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const exports = instance.exports as KernelExports;
    // Grown once, here, and never again: growing replaces the memory's ArrayBuffer, which would
    // detach every view into it (frames on their way to the socket among them). If the host
    // refuses, the kernel still masks; only the frame arena is missing.
    try {
      exports.memory.grow((SCRATCH_BYTES + ARENA_BYTES) / PAGE - 1);
    } catch {
      // no arena
    }
    return { memory: new Uint8Array(exports.memory.buffer), mask: exports.mask };
  } catch {
    return null;
  }
}

/** @internal The kernel's memory (scratch, then the frame arena's share); null without WebAssembly. */
export function kernelMemory(): Uint8Array | null {
  if (kernel === undefined) kernel = loadKernel();
  return kernel === null ? null : kernel.memory;
}

/** Whether the SIMD kernel is available here (loaded on first use). */
export function simdMaskingAvailable(): boolean {
  if (kernel === undefined) kernel = loadKernel();
  return kernel !== null;
}

/**
 * Writes `source` XOR `key` (a key starting at payload offset 0) into `target` at `targetOffset`.
 * `source` and `target` may be the same bytes. Returns false, doing nothing, without SIMD.
 */
export function simdMaskInto(
  source: Uint8Array,
  target: Uint8Array,
  targetOffset: number,
  key: number,
): boolean {
  if (kernel === undefined) kernel = loadKernel();
  if (kernel === null) return false;
  const { memory, mask } = kernel;
  const length = source.length;
  if (target.buffer === memory.buffer) {
    // The frame lies in the kernel's memory already: copy the payload in once, mask it there.
    const at = target.byteOffset + targetOffset;
    if (source.buffer !== memory.buffer || source.byteOffset !== at) memory.set(source, at);
    mask(at, length, key | 0);
    for (let j = length & ~15; j < length; j++) memory[at + j]! ^= (key >>> ((j & 3) << 3)) & 0xff;
    return true;
  }
  for (let at = 0; at < length; at += BLOCK) {
    const n = Math.min(BLOCK, length - at);
    memory.set(n === length ? source : source.subarray(at, at + n), 0);
    mask(0, n, key | 0);
    // The kernel stops at a multiple of 16 bytes (so the key stays in phase); mask the rest here.
    const full = n & ~15;
    for (let j = full; j < n; j++) memory[j]! ^= (key >>> ((j & 3) << 3)) & 0xff;
    target.set(n === memory.length ? memory : memory.subarray(0, n), targetOffset + at);
  }
  return true;
}
