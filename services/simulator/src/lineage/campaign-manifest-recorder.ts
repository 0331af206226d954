import type { ArtifactStore } from '@distillery/artifacts';
import type { Platform } from '@distillery/service-kit';
import type { CampaignStore } from '../campaigns/campaign-store.js';
import { recordCampaignManifest } from './campaign-manifest.js';

type Logger = Platform['logger'];

/**
 * Records each campaign's manifest once its completion commits, beside the run that goes on
 * (recordCampaignManifest). A failure is logged, not thrown: the campaign stays completed and
 * `distillery status` names its node as missing. `drain()` waits for the writes in flight.
 */
export class CampaignManifestRecorder {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: { readonly artifacts: ArtifactStore; readonly store: CampaignStore; readonly logger: Logger }) {}

  record(campaignId: string): void {
    const { artifacts, store, logger } = this.deps;
    const write: Promise<void> = recordCampaignManifest(artifacts, store, campaignId).then(
      (ref) => {
        if (ref) logger.info({ campaignId, manifest: ref.uri }, 'campaign manifest recorded');
      },
      (error: unknown) => logger.warn({ err: error, campaignId }, 'could not record the campaign manifest; its lineage node will be missing'),
    );
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}
