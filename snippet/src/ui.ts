// The banner: one dialog in an open Shadow DOM, so site CSS cannot break it
// and it cannot break the site. The first layer is a non-modal dialog; the
// preferences layer is modal and traps focus.
//
// The dialog is parsed from markup in which every text is escaped, not
// built node by node: the parser makes its elements without a JavaScript
// object for each (about 15 KiB less heap, and somewhat less main-thread
// time). One listener on the shadow root handles every control.
import barCss from "./bar.css";
import css from "./banner.css";
import prefsCss from "./prefs.css";
import { trusted } from "./tt";
import type { Action, Choices, Config, Texts } from "./types";

export interface View {
  cfg: Config;
  texts: Texts;
  lang: string;
  gpc: boolean;
  on: string; // text colour on the accent
  dark?: boolean; // a light theme, with a dark variant
  nonce: string;
  current(): Choices | undefined;
  decide(action: Action, choices?: Choices): void;
}

let host: HTMLElement | undefined;
let root: ShadowRoot | undefined;
let view: View;
let back: HTMLElement | null = null; // where focus returns on close
let styled = false; // whether root has the preferences' styles
let styles = ""; // <style> elements, where constructable stylesheets fail
let pad: () => void; // keeps the page's scroll padding clear of the banner
let unpad: () => void; // gives the page its own scroll padding back

// esc makes text safe in element content and in double-quoted attribute
// values, the only kind the markup here has (a ' ends neither).
// No regular expression: compiling one costs a first visit 0.1 ms.
const esc = (function (s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;");
});

// The site's colours become custom properties, set in the host's rule (one
// rule less to parse). The server works out which text colour contrasts
// with the accent, and whether the background is light, so that a light
// theme gets a dark variant (see consent.Look in Go).
// Only the rules of the site's layout and position are parsed: the box at
// the bottom right is the default.
const theme = (function (v: View): string {
  const l = v.cfg.look;
  const p = l.position;
  const bar = l.layout == "bar";
  return `:host{--b:${l.background};--f:${l.text};--a:${l.accent};--o:${v.on};${css.slice(6)}${
    v.dark ? "@media(prefers-color-scheme:dark){:host{--b:#111827;--f:#f3f4f6}}" : ""
  }${!ASSENT_BOX_ONLY && bar ? barCss : ""}${
    bar
      ? p == "top" ? ":host{top:0;bottom:auto}" : ""
      : p == "bottom-left" ? ":host{inset-inline:1em auto}" : p == "bottom-right" ? "" : `:host{inset-inline:0;margin-inline:auto${p == "top" ? ";top:1em;bottom:auto" : ""}}`
  }`;
});

// Constructable stylesheets need no CSP allowance. Browsers without them
// get a <style> carrying the script's nonce in the markup (see render).
// Either way styles stay in the shadow root.
const style = (function (text: string): void {
  try {
    const s = new CSSStyleSheet();
    s.replaceSync(text);
    root!.adoptedStyleSheets = [...root!.adoptedStyleSheets, s];
  } catch {
    styles += `<style nonce="${esc(view.nonce)}">${text}</style>`;
  }
});

export function hide(): void {
  if (!host) return;
  unpad();
  host.remove();
  host = root = undefined;
  if (back && back.isConnected) back.focus({ preventScroll: true });
  back = null;
}

/** Shows the first layer (on page load: pre is the script's time so far,
 * the cookie read aside; none on a slow device), or with prefs the
 * preferences with the current choices (nothing pre-ticked when there are
 * none). */
export const show = (function (v: View, prefs: boolean, pre?: number): void {
  const began = performance.now();
  let parsed = began; // when the banner's styles are parsed
  // A first layer built a task late must not replace preferences the page
  // opened meanwhile.
  if (host && !prefs) return;
  view = v;
  // A page that removed the banner gets a new one.
  if (host && !host.isConnected) unpad(), (host = undefined);
  // Focus goes back where it was: also to the page's own control that
  // opened the preferences over the first layer.
  if (!host || document.activeElement != host) back = document.activeElement as HTMLElement | null;
  if (!host) {
    host = document.createElement("assent-banner");
    // A list, not a regular expression, and an attribute, not the dir
    // property: each of those cost a tenth of a millisecond on first use.
    host.setAttribute("dir", "ar he fa ur ps sd ug yi dv ckb".split(" ").includes(v.lang.split("-")[0].toLowerCase()) ? "rtl" : "ltr");
    root = host.attachShadow({ mode: "open" });
    // The preferences' rules are parsed only once they are opened.
    styles = "";
    style(theme(v));
    parsed = performance.now();
    styled = false;
    root.addEventListener("keydown", keys);
    root.addEventListener("click", act);
    // A press on the preferences' backdrop (the host itself) would move
    // focus out to the page, past the trap. (Nothing returned: false from
    // an on- handler would cancel every press, inside the dialog too.)
    host.onmousedown = (e) => void (e.composedPath()[0] == host && e.preventDefault());
    document.documentElement.append(host);
    // A page control that takes focus must not be hidden behind the banner
    // (WCAG 2.4.11): the page's scroll padding keeps clear of it, so the
    // browser scrolls such a control into view above (or below) it. The
    // size is read where the banner is laid out anyway, and again when the
    // window's size changes. (A ResizeObserver grew the heap by 6 KiB.)
    const h = host, k = v.cfg.look.position == "top" ? "scrollPaddingTop" : "scrollPaddingBottom", s = document.documentElement.style, was = s[k];
    pad = () => (s[k] = h.offsetHeight + 16 + "px");
    addEventListener("resize", pad);
    unpad = () => (removeEventListener("resize", pad), (s[k] = was));
  }
  if (prefs && !styled) style(prefsCss), (styled = true);
  prefs ? host.setAttribute("data-m", "") : host.removeAttribute("data-m");
  render(prefs);
  // On page load the browser focuses the dialog itself (autofocus) at the
  // start of its next frame, when layout is up to date anyway, unless the
  // visitor has focused something by then; focus() here would force a
  // layout into the page's loading. Browsers that ignore autofocus in a
  // shadow root get it in that frame's animation callbacks, which run after
  // autofocus, still only if nothing else has focus. An opened preferences
  // layer takes focus at once.
  const h = host;
  const d = root!.querySelector<HTMLElement>(".d")!;
  // Nothing has focus: the body has it, or there is no body yet.
  const focus = (always?: boolean) => (always || !document.body || document.activeElement == document.body) && d.focus({ preventScroll: true });
  const rest = performance.now() - parsed;
  if (prefs) h.removeAttribute("data-w"), focus(true);
  // On a slow device the frame that first shows the dialog would also have
  // to style and lay it out: a long task (over 50 ms at a quarter of a
  // desktop's speed). Three times tell: the script's before the banner,
  // parsing its styles, and the rest of building it. A slow device is slow
  // in all three (on a busy 2-core desktop the two shorter ones add up to
  // 0.8-2.1 ms, at a quarter of its speed mostly 2.5-7); a fast one that
  // was preempted, in one. (DevTools' throttling also lets a load run at
  // full speed now and then: no timing tells those apart.) On a slow
  // device the dialog is hidden (content-visibility, which frames skip) and
  // styled in a task of its own (reading its style does that even while
  // hidden; its colour, as a value that needs no layout: its top would lay
  // out the whole page, which may not have had its first layout yet, in
  // this task: 10 ms more at a quarter speed). The next task shows it and
  // lays it out at once (laid out while hidden, it is laid out again when
  // shown), so the frame only paints it; the one after focuses it
  // (autofocus skips a hidden element).
  else if (pre == null || pre + parsed - began + rest - Math.max(pre, parsed - began, rest) > 2.2) {
    h.setAttribute("data-w", ""); // before the task ends, so before any frame
    const steps = [() => getComputedStyle(d).color, () => (h.removeAttribute("data-w"), pad()), focus];
    // Until the banner is hidden: a page that moves it meanwhile must not
    // leave it hidden for good.
    const step = () => host == h && (steps.shift()!(), steps[0] && setTimeout(step));
    setTimeout(step);
  } else requestAnimationFrame(() => h.isConnected && (pad(), focus()));
});

const render = (function (prefs: boolean): void {
  const v = view;
  const t = v.texts;
  const url = v.cfg.privacy_policy_url;
  let html =
    `<div class="d" role="dialog" aria-modal="${prefs}" aria-labelledby="t" aria-describedby="x" tabindex="-1" lang="${esc(v.lang)}"${prefs ? "" : " autofocus"}>` +
    `<h2 id="t">${esc(t.title)}</h2><div id="x">${esc(t.description)}${url ? ` <a href="${esc(url)}" target="_blank">${esc(t.privacy_policy || url)}</a>` : ""}</div>` +
    (v.gpc && t.gpc_notice ? `<div class="g">${esc(t.gpc_notice)}</div>` : "");
  if (prefs) {
    const cur = v.current() || {};
    html += `<div class="p">`;
    // One switch per purpose, labelled by its title and described by its text.
    for (const p of v.cfg.purposes) {
      const pt = t.purposes[p.id] || { title: p.id };
      const id = esc(p.id);
      html +=
        `<div class="r"><label for="s-${id}"><b id="n-${id}">${esc(pt.title)}</b>${pt.description ? `<span id="e-${id}">${esc(pt.description)}</span>` : ""}</label>` +
        `<input type="checkbox" role="switch" id="s-${id}" aria-labelledby="n-${id}" aria-describedby="e-${id}"${p.required || cur[p.id] === true ? " checked" : ""}${p.required ? " disabled" : ""}></div>`;
    }
    html += `</div>`;
  }
  html += `<div class="a">`;
  for (const [a, label] of [["accept_all", t.accept_all], ["reject_all", t.reject_all], prefs ? ["custom", t.save] : ["open", t.customize]])
    html += `<button type="button" data-a="${a}">${esc(label)}</button>`;
  html += `</div><button type="button" class="c" data-a="close" aria-label="${esc(t.close || "Close")}">×</button></div>`;
  html = styles + html;
  // A page enforcing Trusted Types refuses a plain string, and each refusal
  // files a CSP violation report. Such pages give their scripts nonces, so
  // with one the markup goes through the "assent" policy first; without, a
  // plain string first (sparing every other page the policy's objects).
  // Either way the other is tried when the first is refused: a page may
  // also restrict policy names without requiring Trusted Types.
  const first = !!v.nonce;
  try {
    root!.innerHTML = first ? trusted("createHTML", html) : html;
  } catch {
    root!.innerHTML = first ? html : trusted("createHTML", html);
  }
});

// act handles a click on any control of the banner.
function act(e: Event): void {
  const a = (e.target as Element).closest("[data-a]");
  const k = a && a.getAttribute("data-a");
  if (!k) return;
  const v = view;
  if (k == "open") return show(v, true);
  let c: Choices | undefined;
  if (k == "custom") {
    c = {};
    for (const p of v.cfg.purposes) c[p.id] = !!p.required || (root!.getElementById("s-" + p.id) as HTMLInputElement).checked;
  }
  // decide hides the banner first of all.
  k == "close" ? hide() : v.decide(k as Action, c);
}

// Esc closes without deciding; Tab cycles inside the modal preferences.
function keys(ev: Event): void {
  const e = ev as KeyboardEvent;
  if (e.key == "Escape") {
    e.preventDefault();
    hide();
  } else if (e.key == "Tab" && host!.hasAttribute("data-m")) {
    const f = [...root!.querySelectorAll<HTMLElement>("a,button,input:not(:disabled)")];
    const a = root!.activeElement;
    const edge = e.shiftKey ? a == f[0] || !f.includes(a as HTMLElement) : a == f[f.length - 1];
    if (edge) {
      e.preventDefault();
      f[e.shiftKey ? f.length - 1 : 0].focus();
    }
  }
}
