import { SafeHtml } from './html.js';

/**
 * The console's one script, inline in every page, plain browser JavaScript: an element `#live` with
 * `data-source` is re-fetched (server-rendered HTML) every 2 s while it shows a step running; the
 * chat form posts its message as JSON and opens the conversation it answered in.
 */
export const CONSOLE_SCRIPT = new SafeHtml(`
(() => {
  const live = document.getElementById('live');
  const running = () => live.querySelector('[data-state="running"]') !== null;
  const refresh = async () => {
    try {
      const response = await fetch(live.dataset.source, { headers: { accept: 'text/html' } });
      if (response.ok) live.innerHTML = await response.text();
      live.dataset.refreshed = String(Number(live.dataset.refreshed || '0') + 1);
    } catch (error) {
      live.dataset.failed = String(error);
    }
    if (running()) setTimeout(refresh, 2000);
  };
  if (live && live.dataset.source && running()) setTimeout(refresh, 2000);

  const chat = document.getElementById('chat-form');
  if (chat) {
    chat.addEventListener('submit', async (event) => {
      event.preventDefault();
      const status = document.getElementById('chat-status');
      const button = chat.querySelector('button');
      const fields = new FormData(chat);
      const message = { backend: fields.get('backend'), text: fields.get('text') };
      if (fields.get('session')) message.sessionId = fields.get('session');
      button.disabled = true;
      status.textContent = 'the agents are answering…';
      try {
        const response = await fetch(chat.action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
        const answer = await response.json();
        if (!response.ok) {
          status.textContent = String(answer.message);
          button.disabled = false;
          return;
        }
        location.assign('/console/chat?backend=' + encodeURIComponent(message.backend) + '&session=' + encodeURIComponent(answer.sessionId) + '#' + encodeURIComponent(answer.turnId));
      } catch (error) {
        status.textContent = 'could not reach the console: ' + String(error);
        button.disabled = false;
      }
    });
  }
})();
`);
