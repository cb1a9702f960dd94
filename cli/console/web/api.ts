/** The console's JSON API: same origin, the session cookie, and the CSRF token on every POST. */
export interface Session {
  csrf: string;
  bucket: string;
  prefix: string;
  local: boolean;
  features: { deadLetters: boolean; people: boolean; dixa: boolean };
}

let csrf = '';

export class ApiError extends Error {}

export async function loadSession(): Promise<Session> {
  const session = await get<Session>('/api/session');
  csrf = session.csrf;
  return session;
}

export const csrfToken = () => csrf;

export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { credentials: 'same-origin' }));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    }),
  );
}

async function answer<T>(response: Response): Promise<T> {
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json() : { error: await response.text() };
  if (!response.ok) {
    const error = new ApiError((body as { error?: string }).error ?? `HTTP ${response.status}`);
    (error as ApiError & { body?: unknown }).body = body;
    throw error;
  }
  return body as T;
}

/** A file of the archive, for preview or download (its URL holds the conversation number and a hash, no name). */
export const fileUrl = (conversationId: string, id: string, download = false) =>
  `/api/files/${encodeURIComponent(conversationId)}/${encodeURIComponent(id)}${download ? '?download' : ''}`;
