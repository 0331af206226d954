/** Moved to @distillery/dealership (the agent-level metrics read the rules shown to a Planner the same way). */
export { catalogForRules, readRules } from '@distillery/dealership';
