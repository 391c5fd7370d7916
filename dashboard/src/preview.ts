// Runs inside /dashboard/preview, framed by the dashboard. It waits for the
// draft config from its parent, then loads the real snippet bundle with that
// config, exactly as /s/{site}.js would. Nothing the visitor clicks here is
// recorded: the page's CSP allows no connections, and decisions are never
// posted because fetch is replaced before the snippet runs.
const me = document.currentScript as HTMLScriptElement;
const src = me.dataset.snippet!;
const w = window as any;

// Both kinds the snippet may write: in a frame over https it may fall back
// to a partitioned cookie, a jar entry of its own.
function clearCookie(): void {
  document.cookie = "assent=;path=/;max-age=0;samesite=lax";
  document.cookie = "assent=;path=/;max-age=0;samesite=none;secure;partitioned";
}

w.fetch = () => Promise.reject(new Error("preview: decisions are not recorded"));
// On a real page the banner moves focus into itself for keyboard users; in
// a preview that would pull focus out of the dashboard around it (and send
// its keystrokes here), so it may only move focus while the reader is
// already working inside the preview.
const realFocus = HTMLElement.prototype.focus;
HTMLElement.prototype.focus = function (this: HTMLElement, o?: FocusOptions) {
  if (document.hasFocus()) realFocus.call(this, o);
};
// The first layer's dialog also carries autofocus, which the browser acts
// on by itself at the next frame, also in a frame: the preview's markup
// goes in without it unless the reader is working inside the preview.
const html = Object.getOwnPropertyDescriptor(ShadowRoot.prototype, "innerHTML")!;
Object.defineProperty(ShadowRoot.prototype, "innerHTML", {
  ...html,
  set(this: ShadowRoot, v: string) {
    html.set!.call(this, document.hasFocus() ? v : String(v).replace(" autofocus", ""));
  },
});
clearCookie();
// The snippet keeps an unsigned decision in the cookie until it is recorded;
// in a preview it never will be, so drop it at once.
document.addEventListener("assent:consent", () => setTimeout(clearCookie));

// The look's derived colours, as the server works them out for
// /s/{site}.js (consent.Look.OnAccent and Light in Go): WCAG 2's relative
// luminance of #rrggbb.
function lum(hex: string): number {
  let y = 0;
  for (const [i, k] of [[1, 0.2126], [3, 0.7152], [5, 0.0722]]) {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    y += k * (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  }
  return y;
}

let started = false;
window.addEventListener("message", (e) => {
  if (e.origin !== location.origin || e.source !== parent || started) return;
  const data = e.data || {};
  if (data.type !== "assent-preview") return;
  started = true;
  if (data.lang) document.documentElement.lang = data.lang;
  const look = data.config.look;
  w.__assentBoot = { config: data.config, gpc: data.gpc === true, on: lum(look.accent) > 0.179 ? "#000" : "#fff", dark: lum(look.background) > 0.4 };
  const s = document.createElement("script");
  s.src = src;
  s.onload = () => {
    if (data.open && w.assent) w.assent.open();
    parent.postMessage({ type: "assent-preview-shown" }, location.origin);
  };
  document.head.appendChild(s);
});
parent.postMessage({ type: "assent-preview-ready" }, location.origin);
