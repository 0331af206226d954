import type { DomainDocument } from './domain-documents.js';
import { renderContext } from './domain-documents.js';
import { lastUserMessage } from './prompt-fields.js';
import type { RefinedTurn } from './refined-turn.js';

/**
 * A conversation as prose: each turn's customer message (the Understander's input) and the
 * assistant's reply as the judge refined it (the Explainer's y*). A turn whose reply the judge
 * rejected, or that ended without an Explainer call, keeps only the customer's line.
 */
export function conversationDocument(conversationId: string, turns: readonly RefinedTurn[]): DomainDocument | undefined {
  const lines: string[] = [];
  for (const turn of turns) {
    const understander = turn.calls.find((call) => call.agent === 'understander');
    const said = understander ? lastUserMessage(understander.prompt)?.trim() : undefined;
    if (!said) continue;
    lines.push(`Customer: ${said}`);
    const explainer = turn.calls.findLast((call) => call.agent === 'explainer');
    if (explainer && explainer.verdict !== 'rejected' && explainer.refined.trim()) lines.push(`Assistant: ${explainer.refined.trim()}`);
  }
  if (!lines.length) return undefined;
  const first = turns[0];
  const metadata: Record<string, string | number> = { turns: turns.length, tenant: first?.tenant ?? '' };
  if (first?.campaignId) metadata.campaign = first.campaignId;
  return {
    id: `conversation:${conversationId}`,
    kind: 'conversation',
    text: lines.join('\n'),
    context: renderContext(`Conversation ${conversationId}`, 'simulated customer conversation', metadata),
  };
}
