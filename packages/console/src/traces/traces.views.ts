import type { TraceRaw } from '@distillery/contracts';
import { href, timeOf, verdictCounts } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import type { CallVerdict, SessionRow, TurnRow, Verdicts } from './trace-reader.js';

/** The sessions table, newest first, with paging links. */
export function sessionsView(sessions: readonly SessionRow[], paging: { readonly total: number; readonly limit: number; readonly offset: number; readonly campaignId?: string }): SafeHtml {
  if (paging.total === 0) return html`<p class="muted">No sessions yet${paging.campaignId ? html` in campaign ${paging.campaignId}` : ''}: a campaign (<code>./distillery run</code>) or the chat makes some.</p>`;
  const query = (offset: number) => `/console/traces?limit=${paging.limit}&offset=${offset}${paging.campaignId ? `&campaign=${encodeURIComponent(paging.campaignId)}` : ''}`;
  const rows = sessions.map(
    (session) => html`<tr>
<td><a href="${href('/console/traces', session.id)}">${session.id}</a></td><td>${timeOf(session.createdAt)}</td><td>${session.source}</td>
<td>${session.campaignId ? html`<a href="/console/traces?campaign=${encodeURIComponent(session.campaignId)}">${session.campaignId}</a>` : html`<span class="muted">–</span>`}</td>
<td>${session.customerRef}</td><td>${session.turnCount}</td><td>${session.ended ? 'ended' : 'open'}</td></tr>`,
  );
  const last = Math.min(paging.total, paging.offset + sessions.length);
  return html`<p>${paging.offset + 1}–${last} of ${paging.total} sessions${paging.campaignId ? html` of campaign ${paging.campaignId} (<a href="/console/traces">all</a>)` : ''}.
${paging.offset > 0 ? html` <a href="${query(Math.max(0, paging.offset - paging.limit))}">newer</a>` : ''}${last < paging.total ? html` <a href="${query(paging.offset + paging.limit)}">older</a>` : ''}</p>
<table id="sessions"><tr><th>session</th><th>started (UTC)</th><th>source</th><th>campaign</th><th>customer</th><th>turns</th><th>state</th></tr>${rows}</table>`;
}

/** A session's turns: the customer's message, the reply and the judge's verdicts, each linking to its trace. */
export function sessionView(session: SessionRow, turns: readonly TurnRow[], verdicts: Verdicts<Readonly<Record<string, number>>>): SafeHtml {
  const rows = turns.map(
    (turn) => html`<tr><td>${turn.index}</td><td>${turn.userMessage}</td><td>${turn.reply}</td>
<td>${verdicts.available ? verdictCounts(verdicts.byTurn.get(turn.id)) : html`<span class="muted">–</span>`}</td>
<td><a class="turn-link" href="${href('/console/traces', session.id, 'turns', turn.id)}">trace</a></td></tr>`,
  );
  return html`<p>${session.source} session of tenant ${session.tenant} for customer ${session.customerRef}, started ${timeOf(session.createdAt)} UTC${session.campaignId ? html`, campaign <a href="/console/traces?campaign=${encodeURIComponent(session.campaignId)}">${session.campaignId}</a>` : ''}; ${session.ended ? 'ended' : 'open'}.</p>
${verdicts.available ? '' : html`<p class="note">No verdicts: ${verdicts.reason}.</p>`}
${turns.length ? html`<table id="turns"><tr><th>#</th><th>customer</th><th>reply</th><th>judge</th><th></th></tr>${rows}</table>` : html`<p class="muted">No turns yet.</p>`}`;
}

/** A turn's trace: each agent call (prompt, output, the judge's verdict), the plan, the tool calls and the reply. */
export function turnView(turn: TurnRow & { readonly trace: TraceRaw }, verdicts: Verdicts<CallVerdict>): SafeHtml {
  const { trace } = turn;
  const calls = trace.calls.map((call) => {
    const verdict = verdicts.available ? verdicts.byTurn.get(call.callId) : undefined;
    return html`<section class="agent-call" id="call-${call.callId}">
<h3>${call.agent}${call.attempt > 1 ? ` (attempt ${call.attempt})` : ''} <span class="muted">${call.backend}/${call.model}, ${call.latencyMs.toFixed(1)} ms, ${call.inputTokens} → ${call.outputTokens} tokens</span></h3>
<details><summary>prompt (${call.prompt.length} characters)</summary><pre>${call.prompt}</pre></details>
<div>output</div><pre>${call.output}</pre>
${verdictView(verdict, verdicts)}
</section>`;
  });
  const plan = trace.plan;
  const tools = trace.toolCalls.map(
    (tool) => html`<tr><td>${tool.tool}</td><td><pre>${JSON.stringify(tool.args, null, 2)}</pre></td><td class="${tool.ok ? 'ok' : 'problem'}">${tool.ok ? 'ok' : 'failed'}</td>
<td><pre>${tool.ok ? JSON.stringify(tool.result ?? null, null, 2) : (tool.error ?? '')}</pre></td><td>${tool.latencyMs.toFixed(1)} ms</td></tr>`,
  );
  return html`<p>Turn ${turn.index} of session <a href="${href('/console/traces', trace.conversationId)}">${trace.conversationId}</a>, ${timeOf(turn.createdAt)} UTC, ${trace.source}${trace.campaignId ? `, campaign ${trace.campaignId}` : ''}.</p>
<h2>Customer</h2><pre id="user-message">${turn.userMessage}</pre>
<h2>Reply</h2><pre id="reply">${turn.reply}</pre>
${verdicts.available ? '' : html`<p class="note">No verdicts: ${verdicts.reason}.</p>`}
<h2>Agent calls (${trace.calls.length})</h2>${calls.length ? calls : html`<p class="muted">No model calls.</p>`}
<h2>Plan</h2>${plan ? html`<p>${plan.replans} replan${plan.replans === 1 ? '' : 's'}, LLM evaluator ${plan.llmEvaluatorRan ? 'ran' : 'not run'}; Halstead volume ${plan.halstead.volume.toFixed(1)}, difficulty ${plan.halstead.difficulty.toFixed(1)}</p><pre id="plan">${plan.code}</pre>` : html`<p class="muted">No plan in this turn.</p>`}
<h2>Tool calls (${trace.toolCalls.length})</h2>${tools.length ? html`<table id="tool-calls"><tr><th>tool</th><th>arguments</th><th></th><th>result</th><th>latency</th></tr>${tools}</table>` : html`<p class="muted">No tool calls.</p>`}`;
}

function verdictView(verdict: CallVerdict | undefined, verdicts: Verdicts<CallVerdict>): SafeHtml {
  if (!verdicts.available) return html``;
  if (!verdict) return html`<p class="muted">judge: not judged yet</p>`;
  return html`<p class="verdict">judge (${verdict.judge}): <strong class="verdict-${verdict.verdict}">${verdict.verdict}</strong>${verdict.reasons.length ? html` — ${verdict.reasons.join('; ')}` : ''}</p>
${verdict.refined !== verdict.output ? html`<div>refined output</div><pre>${verdict.refined}</pre>` : ''}`;
}

