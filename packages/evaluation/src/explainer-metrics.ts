import { jsonLine, labelled, type PromptView, unsupportedClaims } from '@distillery/dealership';
import type { MetricScores } from './call-score.js';
import { replyFacts, unsupportedFacts } from './reply-facts.js';

/**
 * The Explainer: `faithful` (every fact the reply states — price, mileage, APR, VIN, booking or
 * ticket id, phone, date, time, vehicle — is in the tool results of the prompt's `Results:` line;
 * and it claims no booking, hold or success the results do not show, read as the judge reads
 * claims; one made-up fact or claim scores 0) and `complete` (the share of the reference reply's facts the reply
 * also states; 1 when the reference states none).
 */
export function scoreExplanation(reference: string, candidate: string, view: PromptView | undefined): MetricScores {
  const results = view && jsonLine<unknown>(view.input, 'Results');
  const problems: string[] = [];
  if (results === undefined) problems.push('the prompt has no readable Results line: every fact the reply states counts as unsupported');
  const invented = unsupportedFacts(candidate, results ?? {}, view ? labelled(view.input, 'Customer') : '');
  problems.push(...invented.map((fact) => `states the ${fact.kind} "${fact.text.trim()}", which the tool results do not contain`));
  const claims = unsupportedClaims(candidate, results ?? {});
  problems.push(...claims);
  const stated = new Set(replyFacts(candidate).map((fact) => `${fact.kind}:${fact.value}`));
  const wanted = replyFacts(reference);
  const missed = wanted.filter((fact) => !stated.has(`${fact.kind}:${fact.value}`));
  if (missed.length) problems.push(`leaves out ${missed.length} of the reference's ${wanted.length} facts: ${missed.map((fact) => `${fact.kind} "${fact.text.trim()}"`).join(', ')}`);
  return { metrics: { faithful: invented.length || claims.length ? 0 : 1, complete: wanted.length ? (wanted.length - missed.length) / wanted.length : 1 }, problems };
}
