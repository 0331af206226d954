import { quoteIdent } from '@distillery/storage';
import { JOB_STATUSES } from './job-status.js';

/** A service's own columns of its jobs table, as SQL column definitions, in the place each group goes. */
export interface OwnJobColumns {
  /** What a job is asked to do (after `id` and `seq`): the event it came from, its settings … */
  readonly request: readonly string[];
  /** What it reports beside its progress (after `progress`): each stage's figures … */
  readonly report: readonly string[];
  /** What it produces (after `error`): the checkpoint, the drafter … */
  readonly product: readonly string[];
}

/**
 * The statements that create `<schema>.jobs` for a service's migration: the columns JobRow maps
 * around the service's own, and the indexes the queue reads by (queued in arrival order, running by
 * heartbeat, newest first). The service adds its own unique index (one job per dataset version,
 * per checkpoint …) after them.
 */
export function jobsTableStatements(schema: string, own: OwnJobColumns): string[] {
  const table = `${quoteIdent(schema)}.jobs`;
  const columns = [
    'id text PRIMARY KEY',
    'seq bigserial NOT NULL',
    ...own.request,
    `status text NOT NULL DEFAULT 'queued' CHECK (status IN (${JOB_STATUSES.map((status) => `'${status}'`).join(', ')}))`,
    'stage text',
    'step integer',
    'total integer',
    'loss double precision',
    'progress jsonb',
    ...own.report,
    'error text',
    ...own.product,
    'event_id text',
    'attempts integer NOT NULL DEFAULT 0',
    'runner text',
    'heartbeat_at timestamptz',
    'cancel_requested boolean NOT NULL DEFAULT false',
    'created_at timestamptz NOT NULL DEFAULT now()',
    'started_at timestamptz',
    'finished_at timestamptz',
    'updated_at timestamptz NOT NULL DEFAULT now()',
  ];
  return [
    `CREATE TABLE ${table} (\n  ${columns.join(',\n  ')})`,
    `CREATE INDEX jobs_queued ON ${table} (seq) WHERE status = 'queued'`,
    `CREATE INDEX jobs_running ON ${table} (heartbeat_at) WHERE status = 'running'`,
    `CREATE INDEX jobs_created ON ${table} (created_at DESC)`,
  ];
}
