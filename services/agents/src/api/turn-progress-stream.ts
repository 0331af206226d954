import type { TurnProgress } from '@distillery/dealership';
import type { SendMessageRequest__Output, SendMessageResponse, TurnEvent } from '@distillery/proto';
import type { ServerWritableStream, ServiceError } from '@grpc/grpc-js';

/** The proto's Agent enum value of each pipeline agent. */
export const AGENTS = { understander: 'UNDERSTANDER', planner: 'PLANNER', evaluator: 'EVALUATOR', executor: 'EXECUTOR', explainer: 'EXPLAINER' } as const;

/**
 * One StreamMessage call's events: the agents' progress, then the reply or the error. Every stage
 * that starts in the stream ends in it: a turn that fails while a stage runs ends that stage with
 * `failed` before the error. Nothing is written after the reply or the error (a turn past its
 * deadline runs on, unseen).
 */
export class TurnProgressStream {
  private readonly running = new Set<TurnProgress['agent']>();
  private closed = false;

  constructor(private readonly call: ServerWritableStream<SendMessageRequest__Output, TurnEvent>) {}

  readonly progress = (progress: TurnProgress): void => {
    if (progress.status === 'started') this.running.add(progress.agent);
    else this.running.delete(progress.agent);
    this.write({ progress: { agent: AGENTS[progress.agent], status: progress.status, detail: progress.detail ?? '' } });
  };

  reply(reply: SendMessageResponse): void {
    this.write({ reply });
    this.closed = true;
    this.call.end();
  }

  fail(error: ServiceError): void {
    for (const agent of this.running) this.write({ progress: { agent: AGENTS[agent], status: 'failed', detail: error.details } });
    this.running.clear();
    if (this.closed) return;
    this.closed = true;
    // grpc-js sends a server stream's 'error' as its status; destroy() would end it with none.
    this.call.emit('error', error);
  }

  private write(event: TurnEvent): void {
    if (!this.closed && !this.call.cancelled) this.call.write(event);
  }
}
