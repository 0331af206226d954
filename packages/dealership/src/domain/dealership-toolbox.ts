import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { ToolDescription, Toolbox, TurnContext } from '../pipeline/toolbox.js';
import type { PlanToolCatalog } from '../plans/plan-validator.js';
import type { SandboxTool, ToolCallRecord } from '../plans/plan-sandbox.js';
import { type DealershipRules, dealershipRulesSchema, renderRules } from './dealership-rules.js';
import { DealershipEntity } from './dealership.entities.js';
import { DealershipTools, TOOL_ARGS, TOOL_DOCS, toolCatalog, type ToolName } from './dealership-tools.js';

/** The rules version in force, as an SQL expression (the session store reads it with the session). */
export const RULES_VERSION = '(SELECT rules_version FROM agents.dealership WHERE id = 1)';

const DESCRIPTIONS: readonly ToolDescription[] = (Object.keys(TOOL_ARGS) as ToolName[]).map((name) => ({
  name,
  description: TOOL_DOCS[name].description,
  argsSchema: z.toJSONSchema(TOOL_ARGS[name]),
  returns: TOOL_DOCS[name].returns,
}));

/**
 * The dealership as the agents' toolbox. The rules in force are read at the start of every turn
 * (`rulesText`), so a rule changed in the database applies from the next turn on, to the prompts,
 * the Evaluator's static checks and the tools alike.
 */
export class DealershipToolbox implements Toolbox {
  private rules!: DealershipRules;
  private version!: number;
  private currentCatalog!: PlanToolCatalog;
  private descriptions!: readonly ToolDescription[];
  private text!: string;

  private constructor(private readonly dataSource: DataSource, row: DealershipEntity) {
    this.load(row);
  }

  /** The rules of a dealership row, and what follows from them: the tools on offer, the catalog, the rules text. */
  private load(row: DealershipEntity): void {
    this.rules = dealershipRulesSchema.parse(row.rules);
    this.version = row.rulesVersion;
    const off = new Set(this.rules.unavailableTools ?? []);
    this.currentCatalog = Object.fromEntries(Object.entries(toolCatalog(this.rules)).filter(([name]) => !off.has(name)));
    this.descriptions = DESCRIPTIONS.filter((tool) => !off.has(tool.name));
    this.text = renderRules(this.rules);
  }

  static async open(dataSource: DataSource): Promise<DealershipToolbox> {
    return new DealershipToolbox(dataSource, await DealershipToolbox.row(dataSource));
  }

  private static async row(dataSource: DataSource): Promise<DealershipEntity> {
    const row = await dataSource.getRepository(DealershipEntity).findOneBy({ id: 1 });
    if (!row) throw new Error('the dealership has not been seeded (seedDealership)');
    return row;
  }

  get catalog(): PlanToolCatalog {
    return this.currentCatalog;
  }

  get currentRules(): DealershipRules {
    return this.rules;
  }

  get utcOffsetMinutes(): number {
    return this.rules.utcOffsetMinutes;
  }

  /** The vehicles the turn's last successful search listed, in its order (an empty result lists nothing). */
  listing(toolCalls: readonly ToolCallRecord[]): readonly string[] | undefined {
    const search = toolCalls.findLast((call) => call.tool === 'searchInventory' && (call.result as { ok?: boolean } | null)?.ok === true);
    const vins = ((search?.result as { vehicles?: Array<{ vin: string }> } | undefined)?.vehicles ?? []).map((vehicle) => vehicle.vin);
    return vins.length ? vins : undefined;
  }

  describe(): readonly ToolDescription[] {
    return this.descriptions;
  }

  async rulesText(context: TurnContext): Promise<string> {
    // Every turn learns only the version (with the session, or here); the rules themselves are read when they changed.
    const version = context.rulesVersion ?? (await DealershipToolbox.version(this.dataSource));
    if (version !== this.version) this.load(await DealershipToolbox.row(this.dataSource));
    return this.text;
  }

  private static async version(dataSource: DataSource): Promise<number | undefined> {
    const [current] = (await dataSource.query(`SELECT ${RULES_VERSION} AS version`)) as Array<{ version: number }>;
    return current?.version;
  }

  bind(context: TurnContext): Readonly<Record<string, SandboxTool>> {
    const tools = new DealershipTools(this.dataSource, this.rules, context).bind();
    const off = this.rules.unavailableTools;
    return off?.length ? Object.fromEntries(Object.entries(tools).filter(([name]) => !off.includes(name))) : tools;
  }

  /** Changes the rules in force (validated); the next turn sees them. */
  async updateRules(change: (rules: DealershipRules) => DealershipRules): Promise<DealershipRules> {
    const next = dealershipRulesSchema.parse(change(structuredClone(this.rules)));
    await this.dataSource.query('UPDATE agents.dealership SET rules = $1, rules_version = rules_version + 1 WHERE id = 1', [JSON.stringify(next)]);
    return next;
  }
}
