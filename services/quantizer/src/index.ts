/**
 * @distillery/quantizer — FP8 E4M3 W8A8 static per-tensor quantization of student and drafter, with calibration.
 * Runs alone with `node services/quantizer/dist/src/main.js`; the embedded launcher imports `quantizerService`.
 */
export { quantizerService } from './quantizer.service-definition.js';
