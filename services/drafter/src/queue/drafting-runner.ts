import type { Platform } from '@distillery/service-kit';
import type { DrafterJobEntity } from '../jobs/drafter-job.entity.js';
import type { DraftedOutcome } from '../jobs/drafter-job-store.js';
import type { DrafterProgress } from '../jobs/drafter-progress.js';

/** What a running job is given: its abort signal (cancel, drain) and where its progress goes. */
export interface DraftingContext {
  readonly signal: AbortSignal;
  readonly progress: DrafterProgress;
  readonly logger: Platform['logger'];
}

/**
 * Drafts one job: its drafter stored in the artifact store, and the message that announces it;
 * rejects on failure, and when the signal aborts. The queue records the outcome.
 */
export type DraftingRunner = (job: DrafterJobEntity, context: DraftingContext) => Promise<DraftedOutcome>;

/** Why a running job's signal aborts. */
export const ABORT_REASONS = {
  /** The operator cancelled it (here, or on another replica: seen on the next beat). */
  cancel: 'cancelled by request',
  /** This replica drains: the job goes back to the queue and resumes from its run dir. */
  shutdown: 'the drafter is shutting down',
  /** The job is no longer this replica's (its lease ran out and another took it): stop without a word. */
  lost: 'the job is no longer this replica’s',
} as const;
