/**
 * @distillery/curator — Builds immutable, versioned datasets (CPT, SFT, DPO, EAGLE prompts, calibration, held-out eval) from refined traces.
 * Runs alone with `node services/curator/dist/src/main.js`; the embedded launcher imports `curatorService`.
 */
export { curatorService } from './curator.service-definition.js';
