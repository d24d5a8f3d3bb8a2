/**
 * permessage-deflate from the user's setting to what a connection needs: the functions that
 * compress (node:zlib), the threshold and level, and the client's offer (a server answers offers
 * instead, and uses the rest).
 */
import type { HandshakeSpec } from "../engine/index.js";
import type { DeflateFunctions } from "../extensions/index.js";
import { nativeDeflate, nativeInflate, nativeInflatesWithDictionary } from "../transport/index.js";
import type { PerMessageDeflateSettings } from "./client-connection-settings.js";

/** node:zlib's raw DEFLATE; whether it inflates with a dictionary is probed on first need. */
const NODE_DEFLATE: DeflateFunctions = {
  deflate: nativeDeflate,
  inflate: nativeInflate,
  get inflatesWithDictionary() {
    return nativeInflatesWithDictionary();
  },
};

/** Smaller messages are sent as they are (as ws does): compressing them costs more than it saves. */
const DEFAULT_DEFLATE_THRESHOLD = 1024;

/** The permessage-deflate part of a handshake for a (validated) setting, or undefined if off. */
export function deflateSpec(
  setting: boolean | PerMessageDeflateSettings,
  functions: DeflateFunctions = NODE_DEFLATE,
): HandshakeSpec["perMessageDeflate"] {
  if (setting === false) return undefined;
  const { threshold, level, serverNoContextTakeover, serverMaxWindowBits } = setting === true ? {} : setting;
  return {
    functions,
    threshold: threshold ?? DEFAULT_DEFLATE_THRESHOLD,
    level,
    offer: {
      // The server's context can only be kept where inflate takes the window as a dictionary.
      serverNoContextTakeover: serverNoContextTakeover === true || !functions.inflatesWithDictionary,
      ...(serverMaxWindowBits !== undefined ? { serverMaxWindowBits } : {}),
    },
  };
}
