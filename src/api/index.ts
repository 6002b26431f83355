// Public face of the HTTP API.

export { isLoopback } from '../domain/index.js';
export { type RegisteredRoute, type RouteAccess, SESSION_COOKIE } from './access.js';
export { buildServer, type CustosServer } from './server.js';
export { checkBindAddress, tlsOptions } from './transport.js';
