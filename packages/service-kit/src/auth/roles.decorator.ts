import { SetMetadata } from '@nestjs/common';
import type { Role } from './api-keys.js';

/** Metadata key: the role a route needs (`@RequireRole`), or 'public', or 'probe'. */
export const ROUTE_ACCESS = 'distillery:route-access';
export type RouteAccess = Role | 'public' | 'probe';

/** The role a controller's routes (or one handler) need; a handler's overrides its controller's. A route that declares nothing needs `admin`. */
export const RequireRole = (role: Role) => SetMetadata(ROUTE_ACCESS, role satisfies RouteAccess);

/** A route anyone may call (the web console's pages on the loopback, the favicon). */
export const Public = () => SetMetadata(ROUTE_ACCESS, 'public' satisfies RouteAccess);

/** `/health` and `/metrics`: open unless DISTILLERY_OPEN_PROBES=false, then an operator's. */
export const Probe = () => SetMetadata(ROUTE_ACCESS, 'probe' satisfies RouteAccess);
