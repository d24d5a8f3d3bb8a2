/** The public client API. */
export * from "./client-connection-settings.js";
export * from "./http.js";
export * from "./server-binding.js";
export * from "./websocket-request.js";
export * from "./websocket-upgrade-response.js";
