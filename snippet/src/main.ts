// Assent's banner. The server serves /s/{site}.js as
// `self.__assentBoot={"config":…};` followed by this bundle, so one request
// shows the banner. It decides what may run before anything else does:
// Consent Mode defaults first, then the stored decision, then the banner.
import { consentDefault, consentUpdate } from "./gcm";
import { load, save, savePending, type Stored } from "./state";
import { activate, dropCookies, watch } from "./tags";
import type { Action, Choices, Config, Decision } from "./types";
import { hide, show, type View } from "./ui";

type Listener = (choices: Choices) => void;

const w = window as any;
const boot = w.__assentBoot;
delete w.__assentBoot;
// currentScript is only set while this classic script first runs. A page
// element named "currentScript" (or with id "assent") shadows these names
// (DOM clobbering). Then our own tag is unknown: nothing is posted (the
// choice still applies and waits in the cookie) and no blocked script runs.
const cs = document.currentScript;
if (boot && !(w.assent && typeof w.assent.granted == "function")) start(boot.config, cs instanceof HTMLScriptElement ? cs : null);

// uuid makes a UUIDv7: time-ordered, so a new visitor's entry in the
// server's visitor index is an append, not a random page rewrite; its 74
// random bits keep it unguessable. (The server sees the decision's time in
// the receipt anyway.)
function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 5, t = Date.now(); i >= 0; i--, t = Math.floor(t / 256)) b[i] = t & 255;
  b[6] = (b[6] & 15) | 112;
  b[8] = (b[8] & 63) | 128;
  const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join("");
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
}

// pickLang prefers <html lang>, then the browser's languages, exactly and
// then by primary subtag, then the site's default.
function pickLang(cfg: Config): string {
  const keys = Object.keys(cfg.texts);
  for (const l of [document.documentElement.lang, ...navigator.languages].map((x) => x.toLowerCase())) {
    const k = keys.find((k) => k.toLowerCase() == l) || keys.find((k) => k.split("-")[0] == l.split("-")[0]);
    if (l && k) return k;
  }
  return cfg.default_lang;
}

function start(cfg: Config, me: HTMLScriptElement | null): void {
  consentDefault();
  // The API lives where the script came from: scheme://host[:port] of its src.
  const endpoint = me && me.src.split("/").slice(0, 3).join("/") + "/api/v1/consents";
  const nonce = me ? me.nonce || "" : null;
  const gpc = (navigator as any).globalPrivacyControl === true;
  const lang = pickLang(cfg);
  const stored: Partial<Stored> = load(cfg, Date.now()) || {};
  let visitor = stored.visitor;
  const listeners: Record<string, Listener[]> = { consent: [], change: [] };
  let { choices, id: receipt, pending } = stored;
  let watching = false;

  // Own properties only: "constructor" or "__proto__" are no purposes.
  const granted = (p: string): boolean => p == "necessary" || (!!choices && {}.hasOwnProperty.call(choices, p) && choices[p] === true);
  const copy = () => (choices ? { ...choices } : null);

  function emit(name: string): void {
    for (const fn of listeners[name]) {
      try {
        fn(copy()!);
      } catch (e) {
        setTimeout(() => { throw e; }); // report it without breaking the rest
      }
    }
    document.dispatchEvent(new CustomEvent("assent:" + name, { detail: copy() }));
  }

  // apply makes the page follow the choices: Consent Mode, blocked tags,
  // and the listed cookies of every purpose not granted (also those a tag
  // outside Assent's control may have set before the decision).
  function apply(prev?: Choices): void {
    consentUpdate(granted);
    activate(granted, nonce);
    // Until something is granted no tag can load, so nothing needs watching.
    if (!watching && cfg.purposes.some((p) => !p.required && granted(p.id))) {
      watching = true;
      watch(() => activate(granted, nonce));
    }
    for (const p of cfg.purposes) if (!granted(p.id)) dropCookies(p.cookies || []);
    emit("consent");
    if (prev && cfg.purposes.some((p) => !!prev[p.id] != granted(p.id))) emit("change");
  }

  // send posts a decision; the unsigned copy stays in the cookie until the
  // receipt's token replaces it, so a failed post is retried on a later load.
  function send(d: Decision): void {
    if (!endpoint) return; // our own tag is unknown (see above): the cookie keeps it
    fetch(endpoint, { method: "POST", body: JSON.stringify(d), keepalive: true, credentials: "omit" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((r) => {
        if (pending != d) return; // a newer decision was made meanwhile
        pending = undefined;
        receipt = r.id;
        save(r.token, (Date.parse(r.expires_at) - Date.now()) / 1000);
      })
      .catch((e) => console.warn("assent", e)); // sent again on the next page load
  }

  function decide(action: Action, pick?: Choices): void {
    hide();
    const c: Choices = pick || {};
    if (!pick) for (const p of cfg.purposes) c[p.id] = !!p.required || action == "accept_all";
    // Global Privacy Control keeps advertising off unless switched on
    // explicitly, so "accept all" grants the rest and records the signal.
    if (gpc && action == "accept_all" && "advertising" in c) {
      c.advertising = false;
      action = "gpc";
    }
    // The visitor id is made at the first decision: no id before a choice.
    const d: Decision = { site: cfg.site, visitor: (visitor = visitor || uuid()), action, choices: c, config: cfg.version, lang, url: location.origin + location.pathname };
    const prev = choices;
    choices = c;
    receipt = undefined;
    pending = d;
    savePending(d, cfg.lifetime_days);
    apply(prev);
    send(d);
  }

  const view: View = { cfg, texts: cfg.texts[lang], lang, gpc, nonce: nonce || "", current: () => choices, decide };

  w.assent = {
    /** Whether purpose is granted now; false while undecided. */
    granted,
    /** Every purpose → granted, or null while undecided. */
    choices: copy,
    /** The id of the receipt recording the current decision, null while it is not recorded yet. */
    receipt: () => (choices && receipt) || null,
    /** Opens the preferences showing the current choices. */
    open: () => show(view, true),
    acceptAll: () => decide("accept_all"),
    rejectAll: () => decide("reject_all"),
    /** Withdraws every optional purpose and deletes their cookies. */
    withdraw: () => decide("withdraw"),
    /** "consent" fires whenever the choices are known (on load for a returning
     * visitor, and on each decision; a late listener is called at once);
     * "change" when a decision changes what was granted. Returns an unsubscribe. */
    on(name: string, fn: Listener) {
      const l = listeners[name];
      if (!l) return () => {};
      l.push(fn);
      if (name == "consent" && choices) fn(copy()!);
      return () => l.splice(l.indexOf(fn) >>> 0, 1);
    },
  };

  document.addEventListener("click", (e) => {
    const t = e.target as Element;
    if (t.closest && t.closest("[data-assent-open]")) {
      e.preventDefault();
      show(view, true);
    }
  });
  // The banner is built in a task of its own, so on a slow phone neither
  // task is long enough to delay the page's own input handling.
  if (choices) apply();
  else setTimeout(() => choices || show(view, false));
  if (pending) send(pending);
}
