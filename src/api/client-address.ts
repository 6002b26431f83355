// Every audit entry written while serving a request carries the request's client address
// (`request.ip`, which follows the server's trustProxy setting). The scope is entered when the
// request arrives, and again once the body is read, so that a body parser which resumes on later
// socket events (a context the scope may not reach) cannot drop it for the handler.

import type { FastifyInstance } from 'fastify';
import { withClientAddress } from '../audit/index.js';

export function installClientAddress(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => withClientAddress(request.ip, done));
  app.addHook('preValidation', (request, _reply, done) => withClientAddress(request.ip, done));
}
