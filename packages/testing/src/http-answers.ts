/** An error response of the HTTP edge: its status, its JSON body's message (a list joined by newlines) and the body's length. */
export async function errorAnswer(response: Response): Promise<{ status: number; message: string; size: number }> {
  const text = await response.text();
  const body = JSON.parse(text) as { message: unknown };
  return { status: response.status, message: Array.isArray(body.message) ? body.message.join('\n') : String(body.message), size: text.length };
}

/** POSTs `body` as it is, declared as `contentType`. */
export function postBody(url: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}
