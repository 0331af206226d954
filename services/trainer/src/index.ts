/**
 * @distillery/trainer — Distills the student: block expansion, context-aware CPT, LoRA SFT and LoRA DPO, each merged.
 * Runs alone with `node services/trainer/dist/src/main.js`; the embedded launcher imports `trainerService`.
 */
export { trainerService } from './trainer.service-definition.js';
