/** The extensions layer: negotiation and per-message compression (RFC 7692). Imports only the codec. */
export * from "./deflate-acceptance.js";
export * from "./permessage-deflate.js";
