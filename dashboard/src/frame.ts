// previewFrame shows a config through the real snippet in a framed page
// (/dashboard/preview). Each update reloads the frame, because the snippet
// starts once per page, just as it does on a site.
import { h } from "./dom";
import type { Config } from "./types";

export interface Preview {
  el: HTMLElement;
  /** gpc: show the banner as to a visitor sending Global Privacy Control. */
  show: (cfg: Config, lang?: string, gpc?: boolean) => void;
}

export function previewFrame(title = "Banner preview"): Preview {
  const frame = h("iframe", { class: "preview-frame", title, src: "about:blank" }) as HTMLIFrameElement;
  let pending: { cfg: Config; lang?: string; gpc?: boolean } | null = null;
  // One listener per frame; it goes when the page that showed the frame has
  // been left (the app replaces pages without reloading).
  let shown = false;
  window.addEventListener("message", function listen(e) {
    if (shown && !frame.isConnected) return window.removeEventListener("message", listen);
    if (e.origin !== location.origin || e.source !== frame.contentWindow || !pending) return;
    if (e.data?.type == "assent-preview-ready") {
      frame.contentWindow!.postMessage({ type: "assent-preview", config: { version: "sha256:preview", ...pending.cfg }, lang: pending.lang, gpc: pending.gpc }, location.origin);
    } else if (e.data?.type == "assent-preview-shown") {
      frame.dataset.shown = String(Number(frame.dataset.shown || 0) + 1);
    }
  });
  return {
    el: h("div", { class: "preview" }, frame),
    show(cfg, lang, gpc) {
      pending = { cfg: JSON.parse(JSON.stringify(cfg)), lang, gpc };
      shown = true;
      frame.src = "/dashboard/preview?t=" + Date.now();
    },
  };
}
