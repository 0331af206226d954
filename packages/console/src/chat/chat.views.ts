import { href } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import type { SessionRow, TurnRow } from '../traces/trace-reader.js';

/** The backends the playground talks to. */
export const CHAT_BACKENDS = ['teacher', 'student'] as const;
export type ChatBackend = (typeof CHAT_BACKENDS)[number];

/** Why the student cannot be chosen here (the report of the console's issue says the same). */
export const STUDENT_UNAVAILABLE =
  'the student is not offered here yet: the console talks to the agents of this platform, whose backend is the reference teacher; ' +
  '`./distillery stress --backend serving` and the end of `./distillery run` put the student behind the agents';

/** The form, and the conversation so far when there is one: each turn's reply with a link to its trace. */
export function chatView(conversation: { readonly session: SessionRow; readonly turns: readonly TurnRow[] } | undefined, trace: SafeHtml | undefined): SafeHtml {
  const turns = conversation?.turns.map(
    (turn) => html`<div class="chat-turn" id="${turn.id}"><div><span class="who">customer:</span> ${turn.userMessage}</div>
<div><span class="who">agents:</span> <span class="chat-reply">${turn.reply}</span></div>
<div><a class="turn-link" href="${href('/console/traces', conversation.session.id, 'turns', turn.id)}">trace of turn ${turn.index}</a></div></div>`,
  );
  return html`${conversation ? html`<p>Session <a href="${href('/console/traces', conversation.session.id)}">${conversation.session.id}</a>${conversation.session.ended ? ' (ended: the agents closed it; a new message starts a new one)' : ''} — <a href="/console/chat">new conversation</a></p>${turns}` : html`<p>Talk to the agents as an app would, over their gRPC API; every turn is traced and judged like a simulated one.</p>`}
<form id="chat-form" action="/console/chat/messages" method="post">
<p><label><input type="radio" name="backend" value="teacher" checked> teacher (the agents of this platform)</label>
<label class="muted"><input type="radio" name="backend" value="student" disabled> student</label></p>
<p class="note">${STUDENT_UNAVAILABLE}.</p>
<input type="hidden" name="session" value="${conversation && !conversation.session.ended ? conversation.session.id : ''}">
<p><textarea name="text" required maxlength="2000" placeholder="Do you have a used Toyota under $25,000?"></textarea></p>
<p><button type="submit">Send</button> <span id="chat-status" class="muted"></span></p>
</form>
${trace ? html`<h2>Trace of the last turn</h2>${trace}` : ''}`;
}
