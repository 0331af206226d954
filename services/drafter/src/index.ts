/**
 * @distillery/drafter — Trains an EAGLE drafter for each student checkpoint.
 * Runs alone with `node services/drafter/dist/src/main.js`; the embedded launcher imports `drafterService`.
 */
export { drafterService } from './drafter.service-definition.js';
