/** Turns the user's settings into the engine's, with Node's native helpers plugged in. */
import { arenaAllocator, type ByteAllocator, SlabAllocator } from "../codec/index.js";
import type { EngineSettings } from "../engine/index.js";
import { allocateUninitialised, nativeUtf8Check, returnReadChunk } from "../transport/index.js";
import type { ClientConnectionSettings } from "./client-connection-settings.js";

/** Frames are built in slabs, large ones in uninitialised memory (each byte is overwritten). */
const nodeAllocator = new SlabAllocator({ allocateLarge: allocateUninitialised }).allocate;
/**
 * For a client over wsflow's own TCP transport, which releases each frame once written: large
 * masked frames are built in the frame arena (one copy, masked in place, no allocation).
 */
const nodeArenaAllocator = arenaAllocator(nodeAllocator);

/** One engine settings object per settings object, role and allocator: shared by their connections. */
const cache = {
  client: new WeakMap<object, EngineSettings>(),
  clientArena: new WeakMap<object, EngineSettings>(),
  server: new WeakMap<object, EngineSettings>(),
};

/**
 * The engine's settings for `settings`. `frameArena` only where the transport releases written
 * frames (see `releaseFrame`): wsflow's TCP transport does, a transport of the user's need not.
 */
export function engineSettingsFor(
  settings: ClientConnectionSettings,
  role: "client" | "server",
  frameArena = false,
): EngineSettings {
  const kind = role === "server" ? "server" : frameArena ? "clientArena" : "client";
  let engine = cache[kind].get(settings);
  if (engine === undefined) {
    engine = buildEngineSettings(settings, role, frameArena ? nodeArenaAllocator : nodeAllocator);
    cache[kind].set(settings, engine);
  }
  return engine;
}

function buildEngineSettings(
  settings: ClientConnectionSettings,
  role: "client" | "server",
  allocate: ByteAllocator,
): EngineSettings {
  const w = settings.websocket;
  return {
    role,
    strictThreshold: w.strictThreshold,
    maxFrameSize: w.maxFrameSize,
    maxMessageSize: w.maxMessageSize,
    maxOutgoingFrameSize: w.maxOutgoingFrameSize,
    closeTimeout: w.closeTimeout,
    idleTimeout: settings.idleTimeout,
    periodicKeepAliveMaxIdle: w.periodicKeepAliveMaxIdle,
    periodicKeepAliveMode: w.periodicKeepAliveMode,
    periodicKeepAliveData: w.periodicKeepAliveData,
    keepAlivePongTimeout: w.keepAlivePongTimeout,
    streamedMessageTimeout: w.streamedMessageTimeout,
    logFrames:
      w.logFrames === true ? (line) => console.log(line) : w.logFrames === false ? undefined : w.logFrames,
    randomFill: w.randomFactory,
    utf8Bulk: nativeUtf8Check,
    allocate,
    allocateMessage: allocateUninitialised,
    returnInput: returnReadChunk,
  };
}
