// Blocked tags: <script type="text/plain" data-assent="…"> (inline or src),
// and <iframe>/<img> with data-assent and data-src. They load once every
// purpose they name (space separated) is granted.
//
// This is a module of its own, which the banner imports once a tag can
// load, or a listed cookie is to be deleted (drop, at the end; see
// loadTags in main.ts): on a page with no tag marked only necessary, a
// first visit and a visitor who rejects never download it. Named by its
// hash, it is cached for good; a banner cached from before a deploy may
// import the newer one, so run keeps its signature (such a banner deletes
// cookies itself).

import { cookies, secure, setCookie } from "./state";

// The banner's Trusted Types policy (tt.ts), passed in: a second policy
// named "assent" would be refused where names may not repeat.
type Trusted = (kind: "createScript", s: string) => string;

const BLOCKED = 'script[type="text/plain"][data-assent],iframe[data-assent][data-src],img[data-assent][data-src]';

// The load of the last blocked script with a src put in: an inline script
// inserted by script runs at once, so one that follows it in the page waits
// for it (the load event comes right after it has run). Scripts with a src
// keep their order by themselves (async = false) and load in parallel.
// A copy that never loads nor fails holds the rest back 10 s at most: a
// script put in as markup (innerHTML) is one the browser would never run,
// and its copy (a clone keeps that) never runs either.
let last: Promise<unknown> = Promise.resolve();

// script reports a javascript: address, which in a frame would run in the
// page itself: a data-src must not smuggle one past the page's sanitizer.
function script(src: string): boolean {
  try {
    return new URL(src, location.href).protocol == "javascript:";
  } catch {
    return true;
  }
}

// parsing reports an element the parser may still be inside: on a page
// still loading, the last node of the document (the banner, put after the
// body, aside). An inline script's text is whole only once the parser has
// gone past it.
function parsing(el: Element): boolean {
  if (document.readyState != "loading") return false;
  for (let n: Node | null = el; n; n = n.parentNode) {
    const next = n.nextSibling;
    if (next && next.nodeName != "ASSENT-BANNER") return false;
  }
  return true;
}

/** Loads every blocked element whose purposes are all granted. When the
 * snippet's own tag carries a nonce, only scripts with that nonce run:
 * under 'strict-dynamic' the page trusts whatever the snippet inserts, so
 * a blocked script injected into the page must not be laundered through it. */
function activate(granted: (purpose: string) => boolean, nonce: string, trusted: Trusted): void {
  document.querySelectorAll<HTMLElement>(BLOCKED).forEach((el) => {
    // A tag naming no purpose stays blocked: [].every() would be true.
    const ps = el.dataset.assent!.split(/\s+/).filter(Boolean);
    if (!ps.length || !ps.every(granted)) return;
    // One tag that fails (say, refused by the page's Trusted Types) must
    // not keep the others blocked.
    try {
      if (el instanceof HTMLScriptElement) {
        if ((nonce && el.nonce != nonce) || (!el.src && parsing(el))) return;
        // Changing the type does not run a script; inserting a copy does. A
        // clone keeps the nonce, which browsers hide from getAttribute.
        const s = el.cloneNode() as HTMLScriptElement;
        s.removeAttribute("type");
        // The text goes through the Trusted Types policy (see tt.ts): a copy
        // without the page's nonce is refused above or by the page's CSP.
        if (el.text) s.text = trusted("createScript", el.text);
        const named = el.dataset.assent!;
        el.removeAttribute("data-assent"); // taken: a later scan must skip it
        if (s.src) {
          s.async = false;
          // Listeners, not onload: the tag's own onload attribute stays.
          last = new Promise((done) => (["load", "error"].map((t) => s.addEventListener(t, done)), setTimeout(done, 1e4)));
          el.replaceWith(s);
        } else
          // Consent withdrawn while it waited: blocked again, for a later grant.
          last.then(() => (ps.every(granted) ? el.replaceWith(s) : el.setAttribute("data-assent", named)));
      } else if (!script(el.dataset.src!)) {
        el.setAttribute("src", el.dataset.src!);
        el.removeAttribute("data-src");
      }
    } catch (e) {
      console.warn("assent", e);
    }
  });
}

/** Calls fn when elements holding blocked tags are added anywhere, so tags
 * added later (by a tag manager or a single-page app) load like the rest.
 * Only the added subtrees are searched, not the whole page. */
function watch(fn: () => void): void {
  new MutationObserver((ms) => {
    for (const m of ms)
      for (const n of m.addedNodes)
        if (n instanceof Element && (n.matches(BLOCKED) || n.querySelector(BLOCKED))) return fn();
  }).observe(document.documentElement, { childList: true, subtree: true });
}

let watching = false;

/** Loads what the choices now allow and, the first time, watches for tags
 * added later. granted reads the banner's current choices. */
export function run(granted: (purpose: string) => boolean, nonce: string, trusted: Trusted): void {
  const go = () => activate(granted, nonce, trusted);
  go();
  if (!watching) {
    watching = true;
    watch(go);
    // The script the parser was inside, if any (see parsing).
    if (document.readyState == "loading") document.addEventListener("DOMContentLoaded", go);
  }
}

/** Deletes first-party cookies named in the list, or prefixed by a name and
 * "_" (Google Analytics 4 sets _ga_<id>), on this host and every parent
 * domain, since trackers usually set them on the registrable domain. */
export function drop(names: string[]): void {
  const host = location.hostname.split(".");
  // A cookie this page sees has a path that is a prefix of the page's.
  const dirs = location.pathname.split("/");
  // A __Secure- or __Host- cookie is deleted only with Secure, which an
  // http page cannot set; in a cross-site frame (over https) a cookie is
  // written only with SameSite=None.
  const https = secure() && ";secure;samesite=none";
  for (const c of cookies().split("; ")) {
    const n = c.split("=")[0];
    if (!names.some((x) => n == x || n.startsWith(x + "_"))) continue;
    // Each directory with and without its trailing slash (path=/shop/ is
    // not path=/shop), and each also partitioned (CHIPS): stored apart, and
    // all a tag in a cross-site frame can set. (An http page cannot delete
    // a partitioned cookie, nor set one.)
    for (let j = 1; j <= dirs.length; j++)
      for (const s of ["", "/", ";partitioned", "/;partitioned"]) {
        const at = n + "=;max-age=0" + https + ";path=/" + dirs.slice(1, j).join("/") + s;
        setCookie(at);
        for (let i = 0; i < host.length - 1; i++) setCookie(at + ";domain=." + host.slice(i).join("."));
      }
  }
}
