// A tiny element builder. The dashboard runs under Trusted Types with no
// policy, so HTML strings can never reach the DOM: everything is built here.
type Child = Node | string | number | false | null | undefined | Child[];
type Attrs = Record<string, any>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...kids: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  set(el, attrs);
  add(el, kids);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

export function s(tag: string, attrs?: Attrs | null, ...kids: Child[]): SVGElement {
  const el = document.createElementNS(SVG, tag) as SVGElement;
  set(el, attrs);
  add(el, kids);
  return el;
}

function set(el: Element, attrs?: Attrs | null): void {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v == "function") el.addEventListener(k.slice(2), v);
    else if (k == "value" && "value" in el) (el as HTMLInputElement).value = String(v);
    else if (k == "checked") (el as HTMLInputElement).checked = !!v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function add(el: Node, kids: Child[]): void {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) add(el, k);
    else el.appendChild(typeof k == "object" ? k : document.createTextNode(String(k)));
  }
}

/** replace empties el and fills it with kids. */
export function replace(el: Element, ...kids: Child[]): void {
  el.replaceChildren();
  add(el, kids);
}

let uid = 0;
export const id = (p: string) => `${p}-${++uid}`;

/** field is a labelled form control with an optional hint. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const cid = control.id || (control.id = id("f"));
  const hid = hint ? id("h") : undefined;
  if (hid) control.setAttribute("aria-describedby", hid);
  return h("div", { class: "field" }, h("label", { for: cid }, label), control, hint && h("p", { class: "hint", id: hid }, hint));
}

export function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

export function pct(n: number, d: number): string {
  return d ? `${Math.round((n / d) * 1000) / 10}%` : "–";
}

export function fmtTime(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}

export function copyButton(text: () => string, label = "Copy"): HTMLButtonElement {
  const b = h("button", { type: "button", class: "btn small" }, label);
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text());
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy";
    }
    setTimeout(() => (b.textContent = label), 1500);
  });
  return b;
}

/** onSubmit runs fn with the form's submit button disabled: a double click
 * must not send a request twice (two tokens, two uploads of a pack). */
export function onSubmit(form: HTMLFormElement, fn: () => Promise<void>): void {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const b = form.querySelector<HTMLButtonElement>("button[type=submit],button:not([type])")!;
    if (b.disabled) return;
    b.disabled = true;
    try {
      await fn();
    } finally {
      b.disabled = false;
    }
  });
}

/** blame marks the form field an error message is about (the first whose
 * pattern it matches), so a screen reader reads the error with the field
 * and focus goes there; the other fields are cleared of it. An error of no
 * field (a network failure) marks none, and focus stays. */
export function blame(err: HTMLElement, message: string, fields: [RegExp, HTMLElement][]): void {
  err.id ||= id("err");
  const bad = fields.find(([re]) => re.test(message))?.[1];
  for (const [, f] of fields) {
    const by = (f.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x != err.id);
    if (f == bad) by.push(err.id);
    f == bad ? f.setAttribute("aria-invalid", "true") : f.removeAttribute("aria-invalid");
    by.length ? f.setAttribute("aria-describedby", by.join(" ")) : f.removeAttribute("aria-describedby");
  }
  bad?.focus();
}
