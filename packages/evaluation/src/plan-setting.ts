import { type DealershipRules, type PlanToolCatalog, type PromptView, offeredTools, readRules, TOOL_ARGS, toolCatalog } from '@distillery/dealership';

/** The dealership as a Planner's prompt showed it: the rules in force (tools switched off included) and the turn's clock. */
export interface PlanSetting {
  readonly rules: DealershipRules;
  readonly now: Date;
  /** The Evaluator's catalog under those rules: argument schemas and static rules of the tools on offer. */
  readonly catalog: PlanToolCatalog;
}

const NOW_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Reads the setting back from a Planner (or Evaluator) prompt: its `Business rules` section (the
 * defaults where the compact profile shows none), the tools its `Tools` section offers (the others
 * are switched off, as the Evaluator saw them), and the instant and offset of its `Now` section.
 * Undefined when the prompt has no readable `Now`.
 */
export function planSetting(view: PromptView): PlanSetting | undefined {
  const line = view.section('Now')?.trim().split('\n')[0]?.trim() ?? '';
  const match = NOW_LINE.exec(line);
  const now = new Date(line);
  if (!match || Number.isNaN(now.getTime())) return undefined;
  const offered = offeredTools(view);
  const off = offered ? Object.keys(TOOL_ARGS).filter((tool) => !offered.includes(tool)) : [];
  const utcOffsetMinutes = match[1] === 'Z' ? 0 : (match[2] === '-' ? -1 : 1) * (Number(match[3]) * 60 + Number(match[4]));
  const rules: DealershipRules = { ...readRules(view.section('Business rules')), utcOffsetMinutes, ...(off.length ? { unavailableTools: off } : {}) };
  const catalog = Object.fromEntries(Object.entries(toolCatalog(rules)).filter(([tool]) => !off.includes(tool)));
  return { rules, now, catalog };
}
