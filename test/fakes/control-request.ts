/**
 * The one way tests talk to a fake store's control API (`/__control/<key>/<action>`). Plain fetch,
 * so it works in workerd and in Node. The body is always read: workerd holds a connection open for
 * an unread response, and a test making many calls could stall on that.
 */
export interface ControlInit {
  method: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

export const trimSlash = (url: string): string => (url.endsWith("/") ? url.slice(0, -1) : url);

export async function controlRequest(fake: string, serverUrl: string, key: string, action: string, init: ControlInit): Promise<string> {
  const url = `${trimSlash(serverUrl)}/__control/${encodeURIComponent(key)}${action ? `/${action}` : ""}`;
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.json);
  }
  const response = await fetch(url, { method: init.method, headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${fake} control ${init.method} ${url} answered ${response.status}: ${text}`);
  return text;
}
