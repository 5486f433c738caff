// What the middleware chain learns about a request, for the handlers after it.
import type { Principal } from './auth/roles';
import type { RouteSpec } from './route-spec';

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller; undefined for an anonymous caller on a public route. */
    principal?: Principal;
    /** The declared route this request matched; undefined for an undeclared path. */
    routeSpec?: RouteSpec;
  }
}

export {};
