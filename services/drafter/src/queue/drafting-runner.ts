import type { JobContext, JobRunner } from '@distillery/jobs';
import type { DrafterJobEntity } from '../jobs/drafter-job.entity.js';
import type { DraftedOutcome } from '../jobs/drafter-job-store.js';
import type { DrafterProgress } from '../jobs/drafter-progress.js';

/** What a running drafter job is given: its abort signal (cancel, drain) and where its progress goes. */
export type DraftingContext = JobContext<DrafterProgress>;

/**
 * Drafts one job: its drafter stored in the artifact store, and the message that announces it;
 * rejects on failure, and when the signal aborts. The queue records the outcome.
 */
export type DraftingRunner = JobRunner<DrafterJobEntity, DrafterProgress, DraftedOutcome>;
