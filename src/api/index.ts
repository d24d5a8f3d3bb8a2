/** The public client API. */
export * from "./client-connection-settings.js";
export { ClientTransport, type HttpsProxyOptions, type ProxyCredentials } from "./client-transport.js";
export * from "./http.js";
export type { InMemoryServer, InMemoryServerOptions } from "./in-memory-server.js";
export * from "./server-binding.js";
export * from "./websocket-handler.js";
export * from "./websocket-request.js";
export * from "./websocket-upgrade-response.js";
