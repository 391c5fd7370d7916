// The banner: one dialog in an open Shadow DOM, so site CSS cannot break it
// and it cannot break the site. The first layer is a non-modal dialog; the
// preferences layer is modal and traps focus. Built with DOM calls, never
// innerHTML, so it also runs on pages enforcing Trusted Types.
import css from "./banner.css";
import prefsCss from "./prefs.css";
import type { Action, Choices, Config, Texts } from "./types";

export interface View {
  cfg: Config;
  texts: Texts;
  lang: string;
  gpc: boolean;
  nonce: string;
  current(): Choices | undefined;
  decide(action: Action, choices?: Choices): void;
}

let host: HTMLElement | undefined;
let shown: HTMLElement | undefined; // the dialog in host's shadow root
let back: HTMLElement | null = null; // where focus returns on close
let styled = false; // whether host's shadow root has the preferences' styles

type Attrs = Record<string, string | boolean | ((e: Event) => void)>;

// h creates an element: string values become attributes, others properties.
function h(tag: string, attrs: Attrs | null, ...kids: (Node | string | undefined | false)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const k in attrs) {
    const v = attrs[k];
    typeof v == "string" ? e.setAttribute(k, v) : ((e as any)[k] = v);
  }
  e.append(...(kids.filter(Boolean) as (Node | string)[]));
  return e;
}

// Relative luminance (WCAG 2) of #rrggbb.
function lum(hex: string): number {
  const c = [1, 3, 5].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

// The site's colours become custom properties. Text on the accent is black
// or white, whichever contrasts more; a light theme gets a dark variant.
function theme(cfg: Config): string {
  const l = cfg.look;
  return `:host{--b:${l.background};--f:${l.text};--a:${l.accent};--o:${lum(l.accent) > 0.179 ? "#000" : "#fff"}}${
    lum(l.background) > 0.4 ? "@media(prefers-color-scheme:dark){:host{--b:#111827;--f:#f3f4f6}}" : ""
  }${css}`;
}

// Constructable stylesheets need no CSP allowance; older browsers get a
// <style> carrying the script's nonce. Either way styles stay in the shadow.
function style(root: ShadowRoot, v: View, text: string): void {
  try {
    const s = new CSSStyleSheet();
    s.replaceSync(text);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, s];
  } catch {
    root.append(h("style", { nonce: v.nonce }, text));
  }
}

export function hide(): void {
  if (!host) return;
  host.remove();
  host = shown = undefined;
  if (back && back.isConnected) back.focus({ preventScroll: true });
  back = null;
}

/** Shows the first layer, or with prefs the preferences with the current
 * choices (nothing pre-ticked when there are none). */
export function show(v: View, prefs: boolean): void {
  if (!host) {
    back = document.activeElement as HTMLElement | null;
    host = h("assent-banner", { "data-l": v.cfg.look.layout, "data-p": v.cfg.look.position });
    host.dir = /^(ar|he|fa|ur|ps|sd|ug|yi|dv|ckb)\b/i.test(v.lang) ? "rtl" : "ltr";
    const root = host.attachShadow({ mode: "open" });
    // The preferences' rules are parsed only once they are opened.
    style(root, v, theme(v.cfg));
    styled = false;
    root.addEventListener("keydown", (e) => keys(root, e as KeyboardEvent));
    document.documentElement.append(host);
  }
  if (prefs && !styled) style(host.shadowRoot!, v, prefsCss), (styled = true);
  prefs ? host.setAttribute("data-m", "") : host.removeAttribute("data-m");
  if (shown) shown.remove();
  const d = (shown = dialog(v, prefs));
  host.shadowRoot!.append(d);
  // On page load the browser focuses the dialog itself (autofocus) in its
  // next frame, when layout is up to date anyway, unless the visitor has
  // focused something by then; focus() here would force a layout into the
  // page's loading. Browsers that ignore autofocus in a shadow root get it
  // after that frame, still only if nothing else has focus. An opened
  // preferences layer takes focus at once.
  const focus = () => d.isConnected && d.focus({ preventScroll: true });
  if (prefs) focus();
  else requestAnimationFrame(() => setTimeout(() => document.activeElement == document.body && focus()));
}

function dialog(v: View, prefs: boolean): HTMLElement {
  const t = v.texts;
  const cur = v.current() || {};
  const url = v.cfg.privacy_policy_url;
  const btn = (label: string, onclick: () => void) => h("button", { type: "button", onclick }, label);
  const done = (a: Action, c?: Choices) => () => {
    hide();
    v.decide(a, c);
  };
  const switches = prefs && h("div", { class: "p" }, ...v.cfg.purposes.map((p) => row(p.id, t, !!p.required, cur[p.id])));
  const save = () => {
    const c: Choices = {};
    for (const p of v.cfg.purposes) c[p.id] = !!p.required || (switches as HTMLElement).querySelector<HTMLInputElement>(`#s-${p.id}`)!.checked;
    done("custom", c)();
  };
  return h(
    "div",
    { class: "d", role: "dialog", "aria-modal": prefs ? "true" : "false", "aria-labelledby": "t", "aria-describedby": "x", tabindex: "-1", lang: v.lang, autofocus: !prefs },
    h("h2", { id: "t" }, t.title),
    h("p", { id: "x" }, t.description, url && " ", url && h("a", { href: url, target: "_blank" }, t.privacy_policy || url)),
    v.gpc && t.gpc_notice && h("p", { class: "g" }, t.gpc_notice),
    switches,
    h(
      "div",
      { class: "a" },
      btn(t.accept_all, done("accept_all")),
      btn(t.reject_all, done("reject_all")),
      prefs ? btn(t.save, save) : btn(t.customize, () => show(v, true)),
    ),
    h("button", { type: "button", class: "c", "aria-label": t.close || "Close", onclick: hide }, "×"),
  );
}

// One switch per purpose, labelled by its title and described by its text.
function row(id: string, t: Texts, locked: boolean, on: boolean | undefined): HTMLElement {
  const pt = t.purposes[id] || { title: id };
  return h(
    "div",
    { class: "r" },
    h("label", { for: "s-" + id }, h("b", { id: "n-" + id }, pt.title), pt.description && h("span", { id: "e-" + id }, pt.description)),
    h("input", { type: "checkbox", role: "switch", id: "s-" + id, "aria-labelledby": "n-" + id, "aria-describedby": "e-" + id, checked: locked || !!on, disabled: locked }),
  );
}

// Esc closes without deciding; Tab cycles inside the modal preferences.
function keys(root: ShadowRoot, e: KeyboardEvent): void {
  if (e.key == "Escape") {
    e.preventDefault();
    hide();
  } else if (e.key == "Tab" && host!.hasAttribute("data-m")) {
    const f = Array.from(root.querySelectorAll<HTMLElement>("a,button,input:not(:disabled)"));
    const a = root.activeElement;
    const edge = e.shiftKey ? a == f[0] || !f.includes(a as HTMLElement) : a == f[f.length - 1];
    if (edge) {
      e.preventDefault();
      f[e.shiftKey ? f.length - 1 : 0].focus();
    }
  }
}
