/** Injection tokens for the platform's pieces, usable in any service module. */
export const PLATFORM = Symbol('distillery.platform');
export const BUS = Symbol('distillery.bus');
export const DATABASE = Symbol('distillery.database');
export const ARTIFACTS = Symbol('distillery.artifacts');
export const PLATFORM_CONFIG = Symbol('distillery.platform-config');
export const SERVICES = Symbol('distillery.services');
