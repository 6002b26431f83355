// Public face of the HTTP API.
export { type RegisteredRoute, type RouteAccess, SESSION_COOKIE } from './access.js';
export { buildServer, type CustosServer } from './server.js';
export { checkBindAddress, isLoopback, tlsOptions } from './transport.js';
