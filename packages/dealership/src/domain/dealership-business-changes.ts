import type { DataSource, EntityManager } from 'typeorm';
import type { BusinessChange, BusinessChangeOutcome, BusinessChanges } from '../admin/business-changes.js';
import { InvalidBusinessChangeError } from '../admin/invalid-business-change.error.js';
import { type DealershipRules, dealershipRulesSchema } from './dealership-rules.js';
import { TOOL_ARGS } from './dealership-tools.js';
import { applyMergePatch } from './merge-patch.js';

/** The fallback of a turn without a valid plan calls it, so it cannot be switched off. */
const ALWAYS_AVAILABLE = new Set(['handOffToHuman']);

/**
 * Business changes of the dealership, each in one transaction with the dealership row locked, so
 * concurrent changes (two campaigns, two replicas) never lose one another. A rules change bumps
 * `rules_version`: every replica's toolbox reloads at its next turn.
 */
export class DealershipBusinessChanges implements BusinessChanges {
  constructor(private readonly dataSource: DataSource) {}

  apply(change: BusinessChange): Promise<BusinessChangeOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = (await manager.query('SELECT rules, rules_version AS version FROM agents.dealership WHERE id = 1 FOR UPDATE')) as Array<{ rules: DealershipRules; version: number }>;
      if (!row) throw new InvalidBusinessChangeError('the dealership has not been seeded', 'not-found');
      const previousRules = dealershipRulesSchema.parse(row.rules);
      switch (change.kind) {
        case 'vehicle-status': {
          // An UPDATE answers [rows, count] through TypeORM.
          const [[vehicle]] = (await manager.query(
            `WITH old AS (SELECT vin, status FROM agents.vehicles WHERE vin = $1 FOR UPDATE)
             UPDATE agents.vehicles v SET status = $2 FROM old WHERE v.vin = old.vin RETURNING old.status AS previous`,
            [change.vin, change.sold ? 'sold' : 'available'],
          )) as [Array<{ previous: string }>, number];
          if (!vehicle) throw new InvalidBusinessChangeError(`no vehicle with VIN ${change.vin}`, 'not-found');
          return { rulesVersion: row.version, rules: previousRules, previousRules, previousVehicleStatus: vehicle.previous };
        }
        case 'rules-patch':
          return this.saveRules(manager, row.version, previousRules, applyMergePatch(previousRules, change.patch));
        case 'tool-availability': {
          if (!(change.tool in TOOL_ARGS)) throw new InvalidBusinessChangeError(`no tool ${change.tool} (tools: ${Object.keys(TOOL_ARGS).join(', ')})`, 'not-found');
          if (!change.available && ALWAYS_AVAILABLE.has(change.tool)) throw new InvalidBusinessChangeError(`${change.tool} cannot be switched off: the safe fallback needs it`);
          const off = new Set(previousRules.unavailableTools ?? []);
          if (change.available) off.delete(change.tool);
          else off.add(change.tool);
          const { unavailableTools: _old, ...rest } = previousRules;
          return this.saveRules(manager, row.version, previousRules, off.size ? { ...rest, unavailableTools: [...off].sort() } : rest);
        }
      }
    });
  }

  private async saveRules(manager: EntityManager, version: number, previousRules: DealershipRules, next: unknown): Promise<BusinessChangeOutcome> {
    const parsed = dealershipRulesSchema.safeParse(next);
    if (!parsed.success) throw new InvalidBusinessChangeError(`the patched rules are invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    const stuck = (parsed.data.unavailableTools ?? []).filter((tool) => ALWAYS_AVAILABLE.has(tool) || !(tool in TOOL_ARGS));
    if (stuck.length) throw new InvalidBusinessChangeError(`unavailableTools may only name tools that can be switched off, not ${stuck.join(', ')}`);
    if (JSON.stringify(parsed.data) === JSON.stringify(previousRules)) return { rulesVersion: version, rules: previousRules, previousRules };
    await manager.query('UPDATE agents.dealership SET rules = $1, rules_version = rules_version + 1 WHERE id = 1', [JSON.stringify(parsed.data)]);
    return { rulesVersion: version + 1, rules: parsed.data, previousRules };
  }
}
