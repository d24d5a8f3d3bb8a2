/** The handshake layer: the HTTP/1.1 upgrade, pure. Imports only the codec. */
export * from "./accept-key.js";
export * from "./base64.js";
export * from "./handshake-error.js";
export * from "./header-syntax.js";
export * from "./http-headers.js";
export * from "./http-response-parser.js";
export * from "./request-head.js";
export * from "./response-body-reader.js";
export * from "./server-handshake.js";
export * from "./sha1.js";
export * from "./upgrade-request.js";
export * from "./upgrade-validation.js";
export * from "./websocket-uri.js";
