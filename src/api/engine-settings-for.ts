/** Turns the user's settings into the engine's, with Node's native helpers plugged in. */
import { SlabAllocator } from "../codec/index.js";
import type { EngineSettings } from "../engine/index.js";
import { allocateUninitialised, nativeUtf8Check } from "../transport/index.js";
import type { ClientConnectionSettings } from "./client-connection-settings.js";

/** Frames are built in slabs, large ones in uninitialised memory (each byte is overwritten). */
const nodeAllocator = new SlabAllocator({ allocateLarge: allocateUninitialised }).allocate;

/** One engine settings object per settings object and role: shared by their connections. */
const cache = {
  client: new WeakMap<object, EngineSettings>(),
  server: new WeakMap<object, EngineSettings>(),
};

export function engineSettingsFor(
  settings: ClientConnectionSettings,
  role: "client" | "server",
): EngineSettings {
  let engine = cache[role].get(settings);
  if (engine === undefined) {
    engine = buildEngineSettings(settings, role);
    cache[role].set(settings, engine);
  }
  return engine;
}

function buildEngineSettings(settings: ClientConnectionSettings, role: "client" | "server"): EngineSettings {
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
    allocate: nodeAllocator,
    allocateMessage: allocateUninitialised,
  };
}
