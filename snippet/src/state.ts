// The first-party cookie "assent". Once recorded it holds the consent token
// (a JWS: three base64url parts) that the site's servers can verify. Until
// the server has answered it holds "p." + base64(the decision body), unsigned,
// so the choice applies on every page and is posted again on the next load.
import type { Action, Choices, Config, Decision } from "./types";

// A page element named "cookie" (a form on a cookie-settings page, say)
// shadows document.cookie. The jar is read and written through the
// browser's own accessor, which no element can shadow.
// A sandboxed or data: document has no jar, and its accessor throws:
// there, nothing is stored and the banner asks on every load.
const jar = Object.getOwnPropertyDescriptor(Document.prototype, "cookie")!;
export const cookies = (function (): string {
  try {
    return jar.get!.call(document);
  } catch {
    return "";
  }
});
export function setCookie(c: string): void {
  try {
    jar.set!.call(document, c);
  } catch {}
}

// secure is the Secure attribute for a cookie this page sets: only over
// https can it set one.
export const secure = () => (location.protocol == "https:" ? ";secure" : "");

/** What the cookie says about this visitor. choices is unset when they have
 * to be asked (no decision, expired, or made under another config). */
export interface Stored {
  visitor: string;
  choices?: Choices;
  action?: Action; // of the decision; unset in tokens from before it was added
  id?: string; // receipt id; unset while pending
  pending?: Decision;
}

// save keeps value for whole seconds; none or fewer (a token already
// expired) deletes the cookie. In a cross-site frame (the site embedded in
// another) the browser keeps no SameSite=Lax cookie, so the visitor would
// be asked on every load: there, over https, it goes in a partitioned
// cookie (CHIPS), kept for this site embedded in that one only. Only
// there: elsewhere a second "assent" cookie could outlive a withdrawal.
export function save(value: string, seconds: number): void {
  const c = `assent=${value};path=/;max-age=${seconds | 0};samesite=`;
  const https = secure();
  setCookie(c + "lax" + https);
  if (https && self != top && (seconds <= 0 || stored() != value)) setCookie(c + "none;secure;partitioned");
  read();
}

export function savePending(d: Decision, days: number): void {
  save("p." + btoa(JSON.stringify(d)), days * 86400);
}

// pick rebuilds choices from the site's purposes only, as booleans: what a
// cookie holds beyond them is ignored.
function pick(cfg: Config, on: (id: string) => boolean): Choices {
  const c: Choices = {};
  for (const p of cfg.purposes) c[p.id] = !!p.required || on(p.id);
  return c;
}

/** The value of the cookie, if any. (Split, not matched: compiling a
 * regular expression costs every load 0.1 ms.) */
export const stored = (function (): string | undefined {
  for (const c of cookies().split("; ")) if (c.startsWith("assent=")) return c.slice(7);
});

// last is the cookie as this page last read or left it: a difference now
// is another page's (or tab's) decision since.
export let last: string | undefined;
export const read = () => (last = stored());

/** What the cookie's value v says, for the config cfg. */
export const load = (function (cfg: Config, v: string | undefined): Stored | undefined {
  if (!v) return;
  try {
    // A pending decision, or the token's claims: decoded, not verified (the
    // browser only needs to know what it stored).
    const p = v.startsWith("p.");
    const c = JSON.parse(atob(v.split(".")[1].replaceAll("-", "+").replaceAll("_", "/")));
    if (c.site != cfg.site) return;
    // A pending decision names its visitor and choices; a token, its sub,
    // receipt (jti) and granted purposes. Its expiry is the cookie's
    // max-age, which counts from when it was set; exp is by the server's
    // clock, which the device's may not match.
    return {
      visitor: c.visitor || c.sub,
      id: c.jti,
      pending: p ? c : undefined,
      action: c.action,
      choices: c.config == cfg.version ? pick(cfg, (id) => (p ? c.choices[id] === true : c.granted.includes(id))) : undefined,
    };
  } catch {
    return; // a damaged cookie means asking again, never granting
  }
});

