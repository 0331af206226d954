import { campaignCompletedContract, eventIdFor } from '@distillery/contracts';
import type { Platform } from '@distillery/service-kit';
import type { Outbox } from '@distillery/storage';
import type { DataSource } from 'typeorm';
import type { AgentsPort } from '../conversations/agents-port.js';
import { ConversationDriver, type ConversationJournal } from '../conversations/conversation-driver.js';
import { withGrpcRetry } from '../conversations/grpc-retry.js';
import { SwitchGate } from '../conversations/switch-gate.js';
import { PersonaGenerator } from '../persona/persona-generator.js';
import type { UserSimulator } from '../policies/user-simulator.js';
import type { SimulatorMetrics } from '../simulator-metrics.js';
import type { CampaignSpec } from './campaign-spec.js';
import type { CampaignStore } from './campaign-store.js';

type Logger = Platform['logger'];

export interface CampaignRunnerDependencies {
  readonly dataSource: DataSource;
  readonly store: CampaignStore;
  readonly outbox: Outbox;
  readonly agents: AgentsPort;
  readonly simulator: UserSimulator;
  /** This replica, as recorded in leases and claimed conversations. */
  readonly owner: string;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly logger: Logger;
  readonly metrics: SimulatorMetrics;
  /** Called after the completion event commits (wakes the outbox relay). */
  readonly onCommitted: () => void;
}

/**
 * Runs one campaign while this replica holds its lease: `concurrency` workers claim pending
 * conversations one at a time and play them; when none is left open, the campaign is marked
 * completed and its campaigns.completed event written in the same transaction (outbox). A
 * conversation a dead replica left running is put back to pending first and played again from
 * scratch in a new session; finished ones are never played again.
 */
export class CampaignRunner {
  private stopping = false;
  private lost = false;
  private running: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly spec: CampaignSpec,
    private readonly deps: CampaignRunnerDependencies,
  ) {}

  get campaignId(): string {
    return this.spec.campaignId;
  }

  /** Runs until the campaign completes, the lease is lost, or stop() is called. The caller holds the lease. */
  run(): Promise<void> {
    this.running ??= this.execute();
    return this.running;
  }

  /** Drain: no new conversations; those in flight stop between turns and go back to pending; the lease is released. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  private async execute(): Promise<void> {
    const { store, logger, owner, leaseMs } = this.deps;
    const id = this.spec.campaignId;
    await this.resume();
    this.heartbeat = setInterval(() => {
      store.lease(id, owner, leaseMs).then(
        (held) => {
          if (!held && !this.lost) {
            this.lost = true;
            logger.warn({ campaignId: id }, 'campaign lease lost to another replica; stopping here');
          }
        },
        (error: unknown) => logger.warn({ err: error, campaignId: id }, 'campaign lease renewal failed'),
      );
    }, Math.max(100, Math.floor(leaseMs / 3)));
    try {
      const personas = new PersonaGenerator(this.spec);
      const driver = new ConversationDriver({
        agents: this.deps.agents,
        simulator: this.deps.simulator,
        spec: this.spec,
        gate: new SwitchGate(),
        stopping: () => this.stopping || this.lost,
        onSwitchSkipped: (step, reason) => logger.info({ campaignId: id, step, reason }, 'business switch skipped'),
      });
      const started = Date.now();
      let finished = 0;
      const worker = async () => {
        while (!this.stopping && !this.lost) {
          const claimed = await store.claim(id, owner);
          if (!claimed) return;
          if (claimed.attempt > this.deps.maxAttempts) {
            await store.finish(id, claimed.index, owner, { status: 'failed', turns: 0, error: `gave up after ${this.deps.maxAttempts} attempts`, transcript: [], switches: [] });
            continue;
          }
          const outcome = await driver.play(personas.persona(claimed.index), claimed.attempt, this.journal(claimed.index));
          if (outcome.status === 'abandoned') {
            await store.abandon(id, claimed.index, owner);
            continue;
          }
          if (!(await store.finish(id, claimed.index, owner, outcome))) continue;
          this.deps.metrics.conversations.inc({ status: outcome.status, exit_reason: outcome.exitReason ?? 'none' });
          this.deps.metrics.turns.inc(outcome.turns);
          for (const record of outcome.switches) this.deps.metrics.switches.inc({ kind: record.step.kind ?? 'unknown', applied: String(record.applied) });
          if (outcome.status === 'failed') logger.warn({ campaignId: id, conversation: claimed.index, error: outcome.error }, 'conversation failed');
          if (++finished % Math.max(1, Math.ceil(this.spec.count / 10)) === 0) {
            logger.info({ campaignId: id, finished, count: this.spec.count, perMinute: Math.round((finished / Math.max(1, Date.now() - started)) * 60_000) }, 'campaign progress');
          }
        }
      };
      await Promise.all(Array.from({ length: this.spec.concurrency }, worker));
    } finally {
      clearInterval(this.heartbeat);
    }
    if (this.stopping || this.lost) {
      if (!this.lost) await store.releaseLease(id, owner);
      return;
    }
    await this.complete();
  }

  /** Undoes what a crashed runner's switches left changed, and puts its unfinished conversations back in line. */
  private async resume(): Promise<void> {
    const { store, logger, agents } = this.deps;
    const reset = await store.resetRunning(this.spec.campaignId);
    for (const { index, reverts } of reset) {
      try {
        for (const revert of [...reverts].reverse()) await withGrpcRetry(() => agents.applyBusinessChange({ ...revert, reason: `undo for conversation ${index} after a restart` }));
        if (reverts.length) await store.clearReverts(this.spec.campaignId, index);
      } catch (error) {
        logger.warn({ err: error, campaignId: this.spec.campaignId, conversation: index }, 'could not undo the business switches of an interrupted conversation');
      }
    }
    if (reset.length) logger.info({ campaignId: this.spec.campaignId, conversations: reset.map((row) => row.index) }, 'resuming campaign: interrupted conversations will be played again in new sessions');
  }

  private journal(index: number): ConversationJournal {
    const { store, owner } = this.deps;
    const id = this.spec.campaignId;
    return {
      sessionOpened: (sessionId, goal) => store.sessionOpened(id, index, owner, sessionId, goal),
      turnPlayed: (turns) => store.turnPlayed(id, index, owner, turns),
      revertsPending: (reverts) => store.setReverts(id, index, owner, reverts),
    };
  }

  /** Marks the campaign completed and writes campaigns.completed with it (exactly once: the update only succeeds while it is running). */
  private async complete(): Promise<void> {
    const { dataSource, store, outbox, logger } = this.deps;
    const id = this.spec.campaignId;
    const completed = await dataSource.transaction(async (manager) => {
      const done = await store.complete(manager, id);
      if (!done) return undefined;
      const eventId = await outbox.enqueue(
        manager,
        campaignCompletedContract,
        {
          campaignId: id,
          seed: this.spec.seed,
          policy: this.spec.policy,
          conversations: { requested: this.spec.count, completed: done.completed, failed: done.failed },
          turns: done.turns,
          sessionIds: done.sessionIds,
          completedAt: done.completedAt.toISOString(),
          lineage: { campaignId: id, parentEventIds: [] },
        },
        { source: 'simulator', id: eventIdFor('campaigns.completed', id) },
      );
      await store.setCompletionEvent(manager, id, eventId);
      return { ...done, eventId };
    });
    if (!completed) return;
    this.deps.onCommitted();
    logger.info({ campaignId: id, completed: completed.completed, failed: completed.failed, turns: completed.turns, eventId: completed.eventId }, 'campaign completed');
  }
}
