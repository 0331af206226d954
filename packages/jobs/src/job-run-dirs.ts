import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';

/**
 * A service's job run dirs, `<dataDir>/<service>/<jobId>`: where a job's compute run keeps its
 * state (the same dir resumes). A dir goes once nothing will resume it — after success (the product
 * is in the artifact store) or a cancel; a failed job's dir stays for a look at what went wrong.
 */
export class JobRunDirs {
  constructor(
    private readonly dataDir: string,
    private readonly service: string,
  ) {}

  of(jobId: string): string {
    return resolve(this.dataDir, this.service, jobId);
  }

  async remove(jobId: string): Promise<void> {
    await rm(this.of(jobId), { recursive: true, force: true });
  }

  /** A job has ended (the queue's `onEnded`): removes its dir, or logs where a failed job's dir is kept. */
  async ended(jobId: string, status: 'succeeded' | 'failed' | 'cancelled', logger: Logger): Promise<void> {
    if (status !== 'failed') await this.remove(jobId);
    else logger.info({ jobId, runDir: this.of(jobId) }, 'the failed job’s run dir is kept');
  }
}
