import { href } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import type { SessionRow, TurnRow } from '../traces/trace-reader.js';

/** The backends the playground talks to. */
export const CHAT_BACKENDS = ['teacher', 'student'] as const;
export type ChatBackend = (typeof CHAT_BACKENDS)[number];

export interface ChatPage {
  readonly backend: ChatBackend;
  /** Why the student cannot be chosen, when it cannot. */
  readonly studentUnavailable: string | undefined;
  readonly conversation?: { readonly session: SessionRow; readonly turns: readonly TurnRow[] };
  /** The last turn's trace, rendered. */
  readonly trace?: SafeHtml;
}

/**
 * The form, and the conversation so far when there is one: each turn's reply, a teacher's turn
 * linking to its trace in the traces browser (a student's turns are kept by the student's agents,
 * so only the last one's trace is shown, here).
 */
export function chatView(chat: ChatPage): SafeHtml {
  const { conversation, backend } = chat;
  const turns = conversation?.turns.map(
    (turn) => html`<div class="chat-turn" id="${turn.id}"><div><span class="who">customer:</span> ${turn.userMessage}</div>
<div><span class="who">${backend}:</span> <span class="chat-reply">${turn.reply}</span></div>
${backend === 'teacher' ? html`<div><a class="turn-link" href="${href('/console/traces', conversation.session.id, 'turns', turn.id)}">trace of turn ${turn.index}</a></div>` : ''}</div>`,
  );
  const sessionLink = conversation && backend === 'teacher' ? html`<a href="${href('/console/traces', conversation.session.id)}">${conversation.session.id}</a>` : conversation?.session.id;
  const student = chat.studentUnavailable === undefined;
  return html`${conversation ? html`<p>Session ${sessionLink} with the ${backend}${conversation.session.ended ? ' (ended: the agents closed it; a new message starts a new one)' : ''} — <a href="/console/chat?backend=${backend}">new conversation</a></p>${turns}` : html`<p>Talk to the agents as an app would, over their gRPC API.</p>`}
<form id="chat-form" action="/console/chat/messages" method="post">
<p><label><input type="radio" name="backend" value="teacher"${backend === 'teacher' ? html` checked` : ''}> teacher (the agents of this platform, traced and judged like a simulated turn)</label>
<label${student ? '' : html` class="muted"`}><input type="radio" name="backend" value="student"${backend === 'student' && student ? html` checked` : ''}${student ? '' : html` disabled`}> student (the agents on the serving service's student)</label></p>
<p class="note" id="student-note">${student ? "The student's turns are kept by the student's agents, not by this platform's: the chat shows each reply and the last turn's trace; the judge does not see them." : html`No student: ${chat.studentUnavailable}.`}</p>
<input type="hidden" name="session" value="${conversation && !conversation.session.ended ? conversation.session.id : ''}">
<p><textarea name="text" required maxlength="2000" placeholder="Do you have a used Toyota under $25,000?"></textarea></p>
<p><button type="submit">Send</button> <span id="chat-status" class="muted"></span></p>
</form>
${chat.trace ? html`<h2>Trace of the last turn</h2>${chat.trace}` : ''}`;
}
