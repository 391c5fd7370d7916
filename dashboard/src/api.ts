// The admin API client: JSON in and out, the session's CSRF token on every
// state-changing request, and one error type carrying the server's code.
export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
  }
}

let csrf = "";
export function setCSRF(t: string): void {
  csrf = t;
}

export const BASE = "/api/v1/admin";

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method != "GET") headers["X-CSRF-Token"] = csrf;
  const r = await fetch(BASE + path, { method, headers, body: payload, credentials: "same-origin" }).catch(unreachable);
  if (r.status == 204) return undefined as T;
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = data.error || {};
    if (r.status == 401 && path != "/session") onUnauthorized();
    throw new ApiError(r.status, e.code || "http_" + r.status, e.message || r.statusText);
  }
  return data as T;
}

// unreachable stands for fetch's own errors ("TypeError: Failed to fetch"),
// which every page would otherwise show as they are.
const unreachable = (): never => {
  throw new ApiError(0, "unreachable", "Could not reach the server; check the connection and try again.");
};

let onUnauthorized = () => {};
export function whenSignedOut(fn: () => void): void {
  onUnauthorized = fn;
}

export const get = <T>(p: string) => call<T>("GET", p);
export const post = <T>(p: string, b?: unknown) => call<T>("POST", p, b ?? {});
export const put = <T>(p: string, b: unknown) => call<T>("PUT", p, b);
export const del = <T>(p: string) => call<T>("DELETE", p);

export async function download(path: string, onBytes: (n: number) => void): Promise<{ blob: Blob; name: string }> {
  const r = await fetch(BASE + path, { credentials: "same-origin" }).catch(unreachable);
  if (!r.ok) {
    if (r.status == 401) onUnauthorized(); // signed out meanwhile: to the sign-in page, as call() does
    const data = await r.json().catch(() => ({}));
    throw new ApiError(r.status, data.error?.code || "http_" + r.status, data.error?.message || r.statusText);
  }
  const name = /filename="?([^";]+)"?/.exec(r.headers.get("Content-Disposition") || "")?.[1] || "export";
  const parts: BlobPart[] = [];
  let n = 0;
  const reader = r.body!.getReader();
  for (;;) {
    // A download the server cut off (it stopped writing on an error it
    // logged) ends in a network error: say so rather than that.
    const { done, value } = await reader.read().catch(() => {
      throw new Error(`The download was cut off after ${(n / 1024).toFixed(1)} KiB; the server's log says why. Ask for it again.`);
    });
    if (done) break;
    parts.push(value);
    n += value.length;
    onBytes(n);
  }
  return { blob: new Blob(parts, { type: r.headers.get("Content-Type") || "application/octet-stream" }), name };
}

export interface Me {
  name: string;
  role: "owner" | "auditor";
  csrf: string;
}
