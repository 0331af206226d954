import { deploymentGatedContract, type DeploymentGated, storableValue } from '@distillery/contracts';
import type { Outbox } from '@distillery/storage';
import type { DataSource } from 'typeorm';

/**
 * The deploy gate's decisions in serving.gates, shared by every replica. Recording one also puts
 * its deployments.gated event in the outbox and, for a refusal, marks the version refused in
 * serving.versions — one transaction, so the decision, its event and its effect are never apart.
 * The first replica to decide a version wins; the others get its decision back.
 */
export class GateStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    /** A decision was recorded: its event waits in the outbox (wake the relay). */
    private readonly onRecorded: () => void = () => undefined,
  ) {}

  /** Records `gated` unless a decision on the version is recorded already; returns the decision that stands. */
  async record(gated: DeploymentGated): Promise<{ gated: DeploymentGated; recorded: boolean }> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const inserted = (await manager.query(
        `INSERT INTO serving.gates (model_id, checkpoint_id, decision, gated) VALUES ($1, $2, $3, $4)
         ON CONFLICT (model_id, checkpoint_id) DO NOTHING RETURNING model_id`,
        [gated.modelId, gated.checkpointId, gated.decision, JSON.stringify(storableValue(gated))],
      )) as unknown[];
      if (inserted.length === 0) return { gated: (await this.decided(gated.modelId, gated.checkpointId, manager))!, recorded: false };
      await this.outbox.enqueue(manager, deploymentGatedContract, gated, { source: 'serving' });
      if (gated.decision === 'refused') {
        await manager.query('UPDATE serving.versions SET refused = $3 WHERE model_id = $1 AND checkpoint_id = $2', [gated.modelId, gated.checkpointId, `deploy gate: ${gated.reason}`.slice(0, 2_000)]);
      }
      return { gated, recorded: true };
    });
    if (outcome.recorded) this.onRecorded();
    return outcome;
  }

  /** The decision on a version, if one was recorded. */
  async decided(modelId: string, checkpointId: string, manager: Pick<DataSource, 'query'> = this.dataSource): Promise<DeploymentGated | undefined> {
    const rows = (await manager.query('SELECT gated FROM serving.gates WHERE model_id = $1 AND checkpoint_id = $2', [modelId, checkpointId])) as Array<{ gated: DeploymentGated }>;
    return rows[0]?.gated;
  }

  /** Every decision (of one model), newest first. */
  async list(modelId?: string): Promise<DeploymentGated[]> {
    const rows = (await this.dataSource.query('SELECT gated FROM serving.gates WHERE $1::text IS NULL OR model_id = $1 ORDER BY seq DESC', [modelId ?? null])) as Array<{ gated: DeploymentGated }>;
    return rows.map((row) => row.gated);
  }
}
