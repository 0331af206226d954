import { type CampaignCompleted, storableText, storableValue } from '@distillery/contracts';
import type { DataSource, EntityManager } from 'typeorm';

/** A completed campaign as the curator keeps it until its dataset is built. */
export interface StoredCampaign {
  readonly campaignId: string;
  readonly eventId: string;
  readonly sessionIds: readonly string[];
  readonly turns: number;
  readonly receivedAt: Date;
  /** How long ago it was announced, by the database's clock (the same for every replica). */
  readonly waitedMs: number;
  readonly status: 'pending' | 'built';
}

const COLUMNS = `campaign_id AS "campaignId", event_id AS "eventId", session_ids AS "sessionIds", turns, received_at AS "receivedAt",
  (extract(epoch FROM now() - received_at) * 1000)::float8 AS "waitedMs", status`;

/** GET /curator/campaigns/:campaignId: a campaign as the curator settled it. */
export interface CampaignOutcome {
  readonly campaignId: string;
  readonly status: 'pending' | 'built';
  readonly turns: number;
  readonly receivedAt: Date;
  /** The version built from it; null while pending, and for a held-out-phrasing campaign held over without a version of its own. */
  readonly datasetId: string | null;
  readonly datasetVersion: number | null;
}

/** Completed campaigns: stored when announced, pending until a dataset version is built from them. */
export class CampaignStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores the announcement in the caller's transaction; a campaign announced before keeps its
   * first announcement. Ids any producer may have sent are stored with NUL and lone surrogates as U+FFFD.
   */
  async save(manager: EntityManager, campaign: CampaignCompleted, eventId: string): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO curator.campaigns (campaign_id, event_id, session_ids, turns, completed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (campaign_id) DO NOTHING RETURNING campaign_id`,
      [storableText(campaign.campaignId), storableText(eventId), JSON.stringify(storableValue(campaign.sessionIds)), campaign.turns, campaign.completedAt],
    );
    return inserted.length > 0;
  }

  async pending(): Promise<StoredCampaign[]> {
    return (await this.dataSource.query(`SELECT ${COLUMNS} FROM curator.campaigns WHERE status = 'pending' ORDER BY received_at, campaign_id`)) as StoredCampaign[];
  }

  /** What became of an announced campaign: pending, or settled — into a dataset version, or held over without one (a held-out-phrasing campaign with nothing to train on yet). */
  async outcome(campaignId: string): Promise<CampaignOutcome | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT campaign_id AS "campaignId", status, turns, received_at AS "receivedAt", dataset_id AS "datasetId", dataset_version AS "datasetVersion" FROM curator.campaigns WHERE campaign_id = $1`,
      [campaignId],
    )) as CampaignOutcome[];
    return row;
  }

  async find(campaignId: string): Promise<StoredCampaign | undefined> {
    const [row] = (await this.dataSource.query(`SELECT ${COLUMNS} FROM curator.campaigns WHERE campaign_id = $1`, [campaignId])) as StoredCampaign[];
    return row;
  }

  /** Marks a pending campaign built, in the dataset's transaction; false when it was not pending (another build took it). */
  async markBuilt(manager: EntityManager, campaignId: string, datasetId: string, version: number): Promise<boolean> {
    const updated = (await manager.query(
      `UPDATE curator.campaigns SET status = 'built', dataset_id = $2, dataset_version = $3 WHERE campaign_id = $1 AND status = 'pending' RETURNING campaign_id`,
      [campaignId, datasetId, version],
    )) as [unknown[], number];
    return updated[0].length > 0;
  }

  /**
   * Marks a pending held-out-phrasing campaign done with no version of its own, in the caller's
   * transaction: no training turn was stored yet, so its turns wait for the next version's
   * eval-heldout part. False when it was not pending (another build took it).
   */
  async markHeldOver(manager: EntityManager, campaignId: string): Promise<boolean> {
    const updated = (await manager.query(`UPDATE curator.campaigns SET status = 'built' WHERE campaign_id = $1 AND status = 'pending' RETURNING campaign_id`, [
      campaignId,
    ])) as [unknown[], number];
    return updated[0].length > 0;
  }
}
