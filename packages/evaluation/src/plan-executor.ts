import { DealershipToolbox, openDealershipMemoryDatabase, PlanSandbox, seedDealership } from '@distillery/dealership';
import type { PlanSetting } from './plan-setting.js';

/** The dealership's seed the agents use unless configured otherwise (DISTILLERY_AGENTS_SEED). */
export const DEFAULT_DEALERSHIP_SEED = 7;
/** Whose turn a plan runs for: the rows do not say, so every plan runs for the same seeded customer. */
export const DEFAULT_EVAL_CUSTOMER = 'cust_0001';

/** One plan run on a fresh copy of the dealership: its tool calls, what it returned and what it changed. */
export interface PlanRun {
  readonly ok: boolean;
  /** The sandbox's error code and message when the plan failed to run to its end. */
  readonly error?: string;
  readonly toolCalls: ReadonlyArray<{ readonly tool: string; readonly args: Record<string, unknown>; readonly result: unknown }>;
  readonly result: unknown;
  /** The rows the run left in the tables tools write (test drives, reservations); the fresh copy has none. */
  readonly effects: { readonly testDrives: readonly unknown[]; readonly reservations: readonly unknown[] };
}

export interface PlanExecutorOptions {
  readonly seed?: number;
  readonly customerId?: string;
}

/**
 * Runs plans as the agents' Executor does — the Executor's sandbox, the dealership's toolbox bound
 * to a customer and the prompt's clock — each on its own fresh copy of the seeded dealership under
 * the prompt's rules. One in-memory database is seeded once; before every run the tables tools
 * write (test drives, reservations: the seed has none; tools change nothing else) are emptied and
 * the rules row set, which gives the same state as seeding anew, seconds faster. Runs are queued
 * (one at a time) and a plan's run under a setting is kept, so a reference plan scored against
 * several candidates runs once.
 */
export class PlanExecutor {
  private database: ReturnType<typeof openDealershipMemoryDatabase> | undefined;
  private readonly sandbox = new PlanSandbox();
  private readonly runs = new Map<string, Promise<PlanRun>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PlanExecutorOptions = {}) {}

  run(code: string, setting: PlanSetting): Promise<PlanRun> {
    const key = JSON.stringify([code, setting.rules, setting.now.toISOString()]);
    let run = this.runs.get(key);
    if (!run) {
      run = this.queue.then(() => this.runOnFreshCopy(code, setting));
      this.queue = run.catch(() => undefined);
      this.runs.set(key, run);
    }
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.sandbox.close();
    await (await this.database)?.close();
  }

  private async dealership() {
    this.database ??= openDealershipMemoryDatabase().then(async (database) => {
      await seedDealership(database.dataSource, { seed: this.options.seed ?? DEFAULT_DEALERSHIP_SEED });
      return database;
    });
    return (await this.database).dataSource;
  }

  private async runOnFreshCopy(code: string, setting: PlanSetting): Promise<PlanRun> {
    const dataSource = await this.dealership();
    await dataSource.query('DELETE FROM agents.test_drives');
    await dataSource.query('DELETE FROM agents.reservations');
    await dataSource.query('UPDATE agents.dealership SET rules = $1, rules_version = rules_version + 1 WHERE id = 1', [JSON.stringify(setting.rules)]);
    const toolbox = await DealershipToolbox.open(dataSource);
    const tools = toolbox.bind({ tenant: 'evaluation', customerId: this.options.customerId ?? DEFAULT_EVAL_CUSTOMER, now: setting.now });
    const outcome = await this.sandbox.execute(code, tools);
    const [testDrives, reservations] = await Promise.all([
      dataSource.query('SELECT id, customer_id, vin, location, slot, status FROM agents.test_drives ORDER BY slot, vin, id'),
      dataSource.query('SELECT id, customer_id, vin, deposit, status, expires_at FROM agents.reservations ORDER BY vin, id'),
    ]);
    return {
      ok: outcome.ok,
      ...(outcome.ok ? {} : { error: `${outcome.code}: ${outcome.message}` }),
      toolCalls: outcome.toolCalls.map(({ tool, args, result }) => ({ tool, args, result })),
      result: outcome.ok ? outcome.result : { error: { code: outcome.code } },
      effects: { testDrives: testDrives as unknown[], reservations: reservations as unknown[] },
    };
  }
}
