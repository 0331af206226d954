import { type ArtifactStore, storeDatasetRows } from '@distillery/artifacts';
import type { DatasetReady } from '@distillery/contracts';

/** The rows of a small dataset in the curator's formats (compute/distillery_compute/data.py reads them). */
export interface FixtureRows {
  readonly cpt: ReadonlyArray<{ id: string; text: string; context: string }>;
  readonly sft: ReadonlyArray<{ id: string; agent: string; prompt: string; output: string }>;
  readonly dpo: ReadonlyArray<{ id: string; agent: string; prompt: string; chosen: string; rejected: string }>;
  /** Held-out rows, as sft. */
  readonly eval: ReadonlyArray<{ id: string; agent: string; prompt: string; output: string; turnId?: string }>;
}

const VEHICLES = [
  { year: 2023, model: 'Toyota RAV4 Hybrid XLE', price: 33_450, miles: 12_400, lot: 'Downtown', vin: 'JTMRWRFV5PD012345' },
  { year: 2022, model: 'Honda CR-V EX-L', price: 29_990, miles: 21_800, lot: 'Northgate', vin: '7FARW2H83NE004512' },
  { year: 2021, model: 'Ford F-150 XLT', price: 38_200, miles: 34_100, lot: 'Airport Road', vin: '1FTFW1E58MFA33219' },
  { year: 2024, model: 'Kia Telluride S', price: 41_750, miles: 3_900, lot: 'Downtown', vin: '5XYP64GC3RG421873' },
  { year: 2022, model: 'Tesla Model 3 Long Range', price: 31_300, miles: 27_600, lot: 'Northgate', vin: '5YJ3E1EB1NF182736' },
  { year: 2023, model: 'Mazda CX-5 Carbon Edition', price: 28_600, miles: 15_200, lot: 'Airport Road', vin: 'JM3KFBCM4P0123987' },
];
const SLOTS = ['2026-12-01T10:00', '2026-12-01T14:30', '2026-12-02T11:00', '2026-12-03T16:00'];
const AGENTS = ['understander', 'planner', 'explainer'] as const;

const system = (agent: string) =>
  `<|system|>\nYou are the ${agent} of Maple Auto Group, a dealership with lots Downtown, Northgate and Airport Road. Test drives run 9:00-18:00, Monday to Saturday, booked at least 2 hours ahead.`;

function call(i: number): { agent: (typeof AGENTS)[number]; prompt: string; output: string; wrong: string } {
  const vehicle = VEHICLES[i % VEHICLES.length]!;
  const slot = SLOTS[i % SLOTS.length]!;
  const agent = AGENTS[i % AGENTS.length]!;
  const prompt = `${system(agent)}\n<|user|>\nCustomer: Hi, is the ${vehicle.year} ${vehicle.model} still available? Could I test drive it on ${slot.replace('T', ' at ')}?`;
  if (agent === 'understander') {
    const output = JSON.stringify({ intents: ['check_availability', 'schedule_test_drive'], entities: { model: vehicle.model, year: vehicle.year, slot }, state: 'booking' });
    return { agent, prompt, output, wrong: JSON.stringify({ intents: ['financing_question'], entities: { model: vehicle.model }, state: 'browsing' }) };
  }
  if (agent === 'planner') {
    const output = `const car = getVehicle({ vin: '${vehicle.vin}' });\nif (!car.available) return handOffToHuman({ reason: 'sold' });\nreturn scheduleTestDrive({ vin: '${vehicle.vin}', slot: '${slot}' });`;
    return { agent, prompt, output, wrong: `return scheduleTestDrive({ vin: '${vehicle.vin}', slot: '${slot.slice(0, 11)}20:00' });` };
  }
  const output = `Good news: the ${vehicle.year} ${vehicle.model} (${vehicle.miles.toLocaleString('en-US')} miles, $${vehicle.price.toLocaleString('en-US')}) is on our ${vehicle.lot} lot, and you're booked to drive it on ${slot.replace('T', ' at ')}.`;
  return { agent, prompt, output, wrong: `The ${vehicle.model} is $${(vehicle.price - 5_000).toLocaleString('en-US')} today only, and I've reserved it for you.` };
}

/** 12 CPT documents, 12 SFT calls, 12 DPO pairs and 6 held-out calls: understander, planner and explainer in turn. */
export function fixtureRows(): FixtureRows {
  const cpt = Array.from({ length: 12 }, (_, i) => {
    const vehicle = VEHICLES[i % VEHICLES.length]!;
    return i < VEHICLES.length
      ? {
          id: `cpt_${i}`,
          context: `title: ${vehicle.year} ${vehicle.model} | source: inventory | lot: ${vehicle.lot}`,
          text: `The ${vehicle.year} ${vehicle.model} (VIN ${vehicle.vin}) is on the ${vehicle.lot} lot at $${vehicle.price.toLocaleString('en-US')} with ${vehicle.miles.toLocaleString('en-US')} miles. It has had one owner and a clean history report.`,
        }
      : {
          id: `cpt_${i}`,
          context: `title: policy ${i - VEHICLES.length + 1} | source: dealership policies`,
          text: [
            'Test drives last 30 minutes and need a valid driver licence; one companion may ride along.',
            'A refundable $500 deposit holds a vehicle for 72 hours; the hold ends when the deposit is returned.',
            'Trade-in appraisals are free and valid for 7 days or 500 miles, whichever comes first.',
            'Financing terms run 36, 48, 60 or 72 months; the credit tier decides the rate and the down payment share.',
            'Every used vehicle passes a 150-point inspection before it is listed on a lot.',
            'Vehicles can be moved between lots within two business days at no charge to the customer.',
          ][i - VEHICLES.length]!,
        };
  });
  const calls = Array.from({ length: 18 }, (_, i) => ({ i, ...call(i) }));
  const sft = calls.slice(0, 12).map(({ i, agent, prompt, output }) => ({ id: `sft_${i}`, agent, prompt, output }));
  const evaluation = calls.slice(12).map(({ i, agent, prompt, output }) => ({ id: `eval_${i}`, agent, prompt, output }));
  const dpo = calls.slice(0, 12).map(({ i, agent, prompt, output, wrong }) => ({ id: `dpo_${i}`, agent, prompt, chosen: output, rejected: wrong }));
  return { cpt, sft, dpo, eval: evaluation };
}

/**
 * Stores the fixture parts and a dataset manifest in the artifact store and returns the
 * datasets.ready message a curator would have sent for them (tests of the trainer, before or
 * without a curator). `evalRows` replaces the held-out part (the fixture's calls are in a compact
 * form the agent-level metrics cannot read; a test of them brings rows in the agents' own form);
 * `evalHeldOutRows` adds the held-out-phrasing part (`eval-heldout.jsonl`, announced in `evalHeldOut`).
 */
export async function publishFixtureDataset(
  store: ArtifactStore,
  options: {
    readonly datasetId: string;
    readonly version?: number;
    readonly campaignId?: string;
    readonly evalRows?: FixtureRows['eval'];
    readonly evalHeldOutRows?: FixtureRows['eval'];
  },
): Promise<DatasetReady> {
  const version = options.version ?? 1;
  const rows = { ...fixtureRows(), ...(options.evalRows ? { eval: options.evalRows } : {}) };
  const heldOut = options.evalHeldOutRows;
  const { manifest, parts: stored } = await storeDatasetRows(store, { ...rows, ...(heldOut ? { 'eval-heldout': heldOut } : {}) }, {
    id: `${options.datasetId}.v${version}`,
    createdBy: 'trainer-fixture',
    parents: options.campaignId ? [{ kind: 'campaign', id: options.campaignId }] : [],
  });
  const { 'eval-heldout': heldOutPart, ...parts } = stored;
  return {
    datasetId: options.datasetId,
    version,
    manifest,
    parts,
    counts: { cpt: rows.cpt.length, sft: rows.sft.length, dpo: rows.dpo.length, eval: rows.eval.length },
    lineage: { ...(options.campaignId ? { campaignId: options.campaignId } : {}), datasetId: options.datasetId, parentEventIds: [] },
    ...(heldOut && heldOutPart ? { evalHeldOut: { part: heldOutPart, rows: heldOut.length, campaignIds: ['heldout_fixture'] } } : {}),
  };
}
