/**
 * @distillery/simulator — Campaigns of simulated customers that drive the agents service over gRPC until each conversation ends.
 * Runs alone with `node services/simulator/dist/src/main.js`; the embedded launcher imports `simulatorService`.
 */
export { simulatorService } from './simulator.service-definition.js';
