// Assent's banner. The server serves /s/{site}.js as
// `self.__assentBoot={"config":…};` followed by this bundle, so one request
// shows the banner. It decides what may run before anything else does:
// Consent Mode defaults first, then the stored decision, then the banner.
//
// The functions a first visit calls are written `const f = (function …)`:
// V8 compiles a function in parentheses eagerly, on the thread that
// streams the script in, instead of lazily on the page's main thread
// (about 15 % less main-thread time for the banner); the rest stays
// uncompiled until used. esbuild keeps the parentheses.
import { consentDefault, consentUpdate } from "./gcm";
import { cookies, last, load, read, save, savePending, stored, type Stored } from "./state";
import { trusted } from "./tt";
import type { Action, Choices, Config, Decision } from "./types";
import { hide, show, type View } from "./ui";

type Listener = (choices: Choices) => void;

const w = window as any;
let began = performance.now();
const boot = w.__assentBoot;
delete w.__assentBoot;
// currentScript is only set while this classic script first runs. It is
// read through the browser's own getter: a page element named
// "currentScript" shadows document.currentScript (DOM clobbering), and
// must neither hide our tag nor stand in for it. A copy pasted into the
// page (no src) knows no server: nothing is posted (the choice still
// applies and waits in the cookie) and no blocked tag loads.
const cs = Object.getOwnPropertyDescriptor(Document.prototype, "currentScript")!.get!.call(document);
const me = cs instanceof HTMLScriptElement && cs.src ? cs : null;

// uuid makes a UUIDv7: the current time in milliseconds, then the version,
// then 72 random bits (and the variant). Time-ordered, so a new visitor's
// entry in the server's visitor index is an append, not a random page
// rewrite; still unguessable. (The server sees the decision's time in the
// receipt anyway.) getRandomValues, not randomUUID: that one exists only
// in secure contexts, and a site on plain http records choices too. (The
// regular expression is compiled only at a decision.)
function uuid(): string {
  let h = (16 ** 12 + Date.now()).toString(16).slice(1);
  for (const b of crypto.getRandomValues(new Uint8Array(10))) h += (b | 256).toString(16).slice(1);
  return h.replace(/(.{8})(.{4}).(.{3}).(.{3})(.{12})/, "$1-$2-7$3-8$4-$5");
}

// pickLang prefers <html lang>, then the browser's languages, exactly and
// then by primary subtag, then the site's default. navigator is read only
// when <html lang> does not settle it.
const pickLang = (function (cfg: Config): string {
  const keys = Object.keys(cfg.texts);
  const find = (function (l: string): string | undefined {
    l = l.toLowerCase();
    for (const k of keys) if (k.toLowerCase() == l) return k;
    for (const k of keys) if (k.split("-")[0] == l.split("-")[0]) return k;
  });
  return find(document.documentElement.lang) || navigator.languages.map(find).find(Boolean) || cfg.default_lang;
});

// start takes what the server put before this bundle: the site's config,
// whether the script was requested with Sec-GPC: 1, and the look's derived
// colours (see internal/api/snippet.go).
const start = (function (b: { config: Config; gpc?: boolean; on: string; dark?: boolean }): void {
  const cfg = b.config;
  const gpcHeader = b.gpc === true;
  const t = performance.now();
  const raw = read();
  // Reading the cookie is a round trip to the browser process, whose time
  // says nothing about this device's speed (see below).
  began += performance.now() - t;
  const nonce = (me && me.nonce) || "";
  // Global Privacy Control comes as a header and as a property. The banner's
  // notice goes by the header; a decision goes by the property where the
  // browser has one (it cannot be a cache's answer for another visitor),
  // else by the header.
  const gpc = () => {
    const p = (navigator as any).globalPrivacyControl;
    return p == null ? gpcHeader : p === true;
  };
  const lang = pickLang(cfg);
  const saved: Partial<Stored> = load(cfg, raw) || {};
  const listeners: Record<string, Listener[]> = { consent: [], change: [] };
  let { choices, id: receipt, pending } = saved;
  let tags: Promise<typeof import("./tags")> | undefined;

  // Own properties only: "constructor" or "__proto__" are no purposes.
  const granted = (p: string): boolean => p == "necessary" || (!!choices && {}.hasOwnProperty.call(choices, p) && choices[p] === true);
  const copy = () => (choices ? { ...choices } : null);

  function emit(name: string): void {
    // A copy: a listener that unsubscribes itself must not skip the next.
    for (const fn of [...listeners[name]]) {
      try {
        fn(copy()!);
      } catch (e) {
        setTimeout(() => {
          throw e; // reported as uncaught, without breaking the rest
        });
      }
    }
    document.dispatchEvent(new CustomEvent("assent:" + name, { detail: copy() }));
  }

  // apply makes the page follow the choices: Consent Mode, blocked tags,
  // and the listed cookies of every purpose not granted (also those a tag
  // outside Assent's control may have set before the decision).
  function apply(prev?: Choices): void {
    consentUpdate(granted);
    loadTags(cfg.purposes.flatMap((p) => (granted(p.id) ? [] : p.cookies || [])));
    emit("consent");
    if (prev && cfg.purposes.some((p) => !!prev[p.id] != granted(p.id))) emit("change");
  }

  // The code that loads blocked tags (tags.ts) is imported, from where
  // this script came, only once a tag can load: something optional is
  // granted, or the page has a tag that needs only necessary, which is
  // always granted (also checked on load, see start); or to delete the
  // listed cookies (drop) of what is not granted, when the page has one.
  // Otherwise a first visit and a visitor who rejects never download it.
  function loadTags(drop: string[] = []): void {
    const run = document.querySelector("[data-assent=necessary]") || cfg.purposes.some((p) => !p.required && granted(p.id));
    const jar = drop[0] ? cookies() : "";
    if (me && (run || drop.some((x) => jar.includes(x))))
      (tags = tags || (import(new URL(ASSENT_TAGS, me.src).href) as NonNullable<typeof tags>)).then(
        (t) => (t.drop(drop), run && t.run(granted, nonce, trusted)),
        (e) => {
          tags = undefined; // tried again at the next decision
          console.warn("assent", e);
        },
      );
  }

  // send posts a decision once the one before it is answered, so the
  // server records a visitor's decisions in the order they were made. The
  // unsigned copy stays in the cookie until the receipt's token replaces
  // it, so a failed post is retried on a later load. One the server
  // refuses for good (400, 409: a damaged cookie, another decision's id,
  // or one made just before the visitor's latest recorded one) is
  // dropped: the visitor is asked again on the next page.
  let posting: Promise<unknown> = Promise.resolve();
  function send(d: Decision): void {
    if (!me) return; // a pasted copy (see above): the cookie keeps it
    // Whether d is still the latest decision, in this tab and in the
    // cookie: one made since in another tab stands, whatever this answer.
    const mine = () => pending == d && stored() == last;
    // The API lives where the script came from.
    const url = new URL("/api/v1/consents", me.src);
    posting = posting.then(() => {
      // A post that hangs (a stalled proxy, a dead connection) must not hold
      // back the decisions after it: it is given up after 10 s, and the
      // cookie keeps it for a later load.
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 1e4);
      return fetch(url, { method: "POST", body: JSON.stringify(d), keepalive: true, credentials: "omit", signal: stop.signal })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((r) => {
          if (!mine()) return; // a newer decision was made meanwhile
          pending = undefined;
          receipt = r.id;
          // For the time the token has left by the server's clock: a device
          // whose clock is off by more than its lifetime would delete it at
          // once, or keep it. (The server that answers is the one that
          // served this script, so it sends max_age.)
          save(r.token, r.max_age);
        })
        .catch((e) => {
          console.warn("assent", e);
          if ((e == 400 || e == 409) && mine()) save("", 0);
        });
    });
  }

  function decide(action: Action, pick?: Choices): void {
    hide();
    const c: Choices = pick || {};
    if (!pick) for (const p of cfg.purposes) c[p.id] = !!p.required || action == "accept_all";
    // Global Privacy Control keeps advertising off unless switched on
    // explicitly, so "accept all" grants the rest and records the signal.
    if (action == "accept_all" && "advertising" in c && gpc()) {
      c.advertising = false;
      action = "gpc";
    }
    // The visitor id is made at the first decision: no id before a choice.
    // It is read from the cookie, which another page or tab may have
    // written since this one loaded: a visitor keeps one id (and one
    // receipt chain).
    // The cookie holding the decision until it is recorded must stay under
    // the browsers' 4 KiB, or the write fails and the decision before it
    // stays in force: the server keeps 2 KiB of the URL, and a config has
    // at most 16 purposes (consent.MaxPurposes), which keeps it under.
    const d: Decision = { id: uuid(), site: cfg.site, visitor: (load(cfg, stored()) || saved).visitor || uuid(), action, choices: c, config: cfg.version, lang, url: (location.origin + location.pathname).slice(0, 2048) };
    const prev = choices;
    choices = c;
    receipt = undefined;
    pending = d;
    savePending(d, cfg.lifetime_days);
    // Posted first: a page listener or a tag that throws must not cost the
    // record.
    send(d);
    apply(prev);
  }

  const view: View = { cfg, texts: cfg.texts[lang], lang, gpc: gpcHeader, on: b.on, dark: b.dark, nonce, current: () => choices, decide };
  const open = () => show(view, true);

  w.assent = {
    /** Whether purpose is granted now; false while undecided. */
    granted,
    /** Every purpose → granted, or null while undecided. */
    choices: copy,
    /** The id of the receipt recording the current decision, null while it is not recorded yet. */
    receipt: () => (choices && receipt) || null,
    /** Opens the preferences showing the current choices. */
    open,
    acceptAll: () => decide("accept_all"),
    rejectAll: () => decide("reject_all"),
    /** Withdraws every optional purpose and deletes their cookies. */
    withdraw: () => decide("withdraw"),
    /** "consent" fires whenever the choices are known (on load for a returning
     * visitor, and on each decision; a late listener is called as soon as
     * the calling script ends); "change" when a decision changes what was
     * granted. Returns an unsubscribe. */
    on(name: string, fn: Listener) {
      const l = listeners[name];
      if (!l) return () => {};
      l.push(fn);
      // Not from inside on(): `const off = on("consent", () => off())` would
      // find off unset, and an error would break the caller.
      if (name == "consent" && choices) queueMicrotask(() => l.includes(fn) && fn(copy()!));
      return () => l.splice(l.indexOf(fn) >>> 0, 1);
    },
  };

  // A page restored from the back/forward cache missed any decision made
  // on another page since it was left (a withdrawal, say), and may run
  // tags that no longer may: it loads again, as it would without the cache.
  // (Also when that decision was made under another config: then the
  // banner asks again.)
  // Registered once the page is first hidden, as it is before it enters
  // the cache: a listener on window costs every load a kilobyte of heap.
  // (A pageshow after that is a restore, but for the load's own when the
  // page was hidden while it loaded: then the cookie matches this page
  // unless another one changed it, and loading again is right too.)
  document.addEventListener("visibilitychange", () =>
    addEventListener("pageshow", () => stored() != last && location.reload()), { once: true });
  document.addEventListener("click", (e) => {
    const t = e.target as Element;
    if (t.closest && t.closest("[data-assent-open]")) {
      e.preventDefault();
      open();
    }
  });
  if (pending) send(pending); // a decision not yet recorded (see decide)
  // An "accept all" made before the visitor turned Global Privacy Control
  // on did not choose advertising by itself: the signal turns it off now,
  // as it would have then (see decide). One switched on by itself stays.
  const pre = performance.now() - began; // for the banner (see below)
  if (granted("advertising") && saved.action == "accept_all" && gpc()) decide("accept_all");
  else if (choices) apply();
  // A first visit's banner is built in this task, in time for the page's
  // next frame, unless the script so far has taken so long that building
  // it too could make the task long (0.6-2.2 ms, the cookie aside, on a
  // busy 2-core desktop, up to 8 when preempted; 1-22 ms at a quarter of
  // that speed): a very slow device builds it in a task of its own. Either
  // way show judges from this time and its own whether to finish it in
  // tasks of their own.
  else if (pre < 6) show(view, false, pre);
  else setTimeout(() => choices || show(view, false));
  // A tag that needs only necessary loads whatever the visitor decides,
  // also one further down a page still loading.
  const necessary = () => document.querySelector("[data-assent=necessary]") && loadTags();
  document.readyState == "loading" ? document.addEventListener("DOMContentLoaded", necessary) : necessary();
});

// A symbol marks a running copy: a page element cannot clobber it.
const running = Symbol.for("assent");
if (boot && !w[running]) {
  w[running] = true;
  consentDefault();
  // The rest runs in a microtask: in the same task, so a first visit's
  // banner is in the DOM before the page can next render, but with this
  // top level off the stack. A DevTools trace records the stack of the
  // banner's DOM work, and describing a stack that holds the top level
  // means parsing the whole script again (some 3 ms).
  Promise.resolve(boot).then(start);
}
