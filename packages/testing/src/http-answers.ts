/** An error response of the HTTP edge: its status, its JSON body's message (a list joined by newlines) and the body's length. */
export async function errorAnswer(response: Response): Promise<{ status: number; message: string; size: number }> {
  const text = await response.text();
  const body = JSON.parse(text) as { message: unknown };
  return { status: response.status, message: Array.isArray(body.message) ? body.message.join('\n') : String(body.message), size: text.length };
}

/** The development key every app a test boots accepts when it sets no DISTILLERY_API_KEYS (its role: admin). */
export const TEST_API_KEY = 'dev-key';

/** fetch with the test key (x-api-key), for the services' locked routes; headers given win. */
export function apiFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { 'x-api-key': TEST_API_KEY, ...(init.headers as Record<string, string> | undefined) } });
}

/** POSTs `body` as it is, declared as `contentType`, with the test key. */
export function postBody(url: string, body: string, contentType = 'application/json'): Promise<Response> {
  return apiFetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}
