/** Moved to @distillery/dealership (the agent-level metrics check an explanation's claims the same way). */
export { unsupportedStatements } from '@distillery/dealership';
