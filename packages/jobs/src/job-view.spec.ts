import { describe, expect, it } from 'vitest';
import { pathHider } from './job-view.js';

describe('the job view’s paths', () => {
  it('replaces the data dir and the repository in an error’s text, the longer root first', () => {
    const hide = pathHider({ $DISTILLERY_DATA_DIR: '/srv/distillery', '<repo>': '/srv', none: '/' });
    expect(hide('python -m distillery_compute drafter exited 2: --checkpoint /srv/distillery/drafter/job_1/student: no config.json\n  File "/srv/compute/x.py"')).toBe(
      'python -m distillery_compute drafter exited 2: --checkpoint $DISTILLERY_DATA_DIR/drafter/job_1/student: no config.json\n  File "<repo>/compute/x.py"',
    );
    expect(hide('python -m distillery_compute quantize exited 2: distillery_compute quantize: /srv/distillery/quantizer/job_1/dataset/calibration.jsonl: no mixed calibration texts of length 64\n  File "/srv/compute/x.py"')).toBe(
      'python -m distillery_compute quantize exited 2: distillery_compute quantize: $DISTILLERY_DATA_DIR/quantizer/job_1/dataset/calibration.jsonl: no mixed calibration texts of length 64\n  File "<repo>/compute/x.py"',
    );
  });
});
