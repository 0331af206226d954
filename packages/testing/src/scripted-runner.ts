/** What a scripted runner hands back to the test that drives it. */
export interface ScriptedRunner<Job, Context extends { readonly signal: AbortSignal }, Outcome> {
  /** The runner to give the queue. */
  readonly runner: (job: Job, context: Context) => Promise<Outcome>;
  /** The keys of the jobs started, in order (a job started again counts again). */
  readonly started: string[];
  /** The context each job was last started with, by key. */
  readonly contexts: Map<string, Context>;
  /** The keys of the jobs running now. */
  running(): string[];
  /** The most jobs that ran at once. */
  mostConcurrent(): number;
  /** Ends a running job with its outcome. */
  succeed(key: string): void;
  /** Ends a running job with an error. */
  fail(key: string, error: Error): void;
}

/**
 * A job runner a test drives in place of the compute plane: each job waits until the test succeeds
 * or fails it (by `keyOf(job)`), or until its signal aborts, which rejects it naming the reason.
 *
 * ```ts
 * const scripted = scriptedRunner<TrainingJobEntity, TrainingContext, CheckpointBf16>((job) => job.datasetId, checkpointOf);
 * new TrainingQueue({ store, runner: scripted.runner, slots: 1, replica: 'replica-a', logger }).start();
 * await eventually(() => scripted.running().length === 1, 'the job running');
 * scripted.succeed('ds_a');
 * ```
 */
export function scriptedRunner<Job, Context extends { readonly signal: AbortSignal }, Outcome>(keyOf: (job: Job) => string, outcomeOf: (job: Job) => Outcome): ScriptedRunner<Job, Context, Outcome> {
  const started: string[] = [];
  const contexts = new Map<string, Context>();
  const pending = new Map<string, { succeed: () => void; fail: (error: Error) => void }>();
  let concurrent = 0;
  let mostConcurrent = 0;
  const runner = (job: Job, context: Context) =>
    new Promise<Outcome>((resolve, reject) => {
      const key = keyOf(job);
      started.push(key);
      contexts.set(key, context);
      mostConcurrent = Math.max(mostConcurrent, ++concurrent);
      const settle = (then: () => void) => {
        if (!pending.delete(key)) return;
        concurrent--;
        then();
      };
      pending.set(key, { succeed: () => settle(() => resolve(outcomeOf(job))), fail: (error) => settle(() => reject(error)) });
      context.signal.addEventListener('abort', () => settle(() => reject(new Error(`aborted: ${String(context.signal.reason)}`))), { once: true });
    });
  return {
    runner,
    started,
    contexts,
    running: () => [...pending.keys()],
    mostConcurrent: () => mostConcurrent,
    succeed: (key) => pending.get(key)!.succeed(),
    fail: (key, error) => pending.get(key)!.fail(error),
  };
}
