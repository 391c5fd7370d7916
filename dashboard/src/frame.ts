// previewFrame shows a config through the real snippet in a framed page
// (/dashboard/preview). Each update reloads the frame, because the snippet
// starts once per page, just as it does on a site.
import { h } from "./dom";
import type { Config } from "./types";

export interface Preview {
  el: HTMLElement;
  show: (cfg: Config, lang?: string) => void;
}

export function previewFrame(title = "Banner preview"): Preview {
  const frame = h("iframe", { class: "preview-frame", title, src: "about:blank" }) as HTMLIFrameElement;
  let pending: { cfg: Config; lang?: string; open?: boolean } | null = null;
  window.addEventListener("message", (e) => {
    if (e.origin !== location.origin || e.source !== frame.contentWindow || !pending) return;
    if (e.data?.type == "assent-preview-ready") {
      frame.contentWindow!.postMessage({ type: "assent-preview", config: { version: "sha256:preview", ...pending.cfg }, lang: pending.lang }, location.origin);
    } else if (e.data?.type == "assent-preview-shown") {
      frame.dataset.shown = String(Number(frame.dataset.shown || 0) + 1);
    }
  });
  return {
    el: h("div", { class: "preview" }, frame),
    show(cfg, lang) {
      pending = { cfg: JSON.parse(JSON.stringify(cfg)), lang };
      frame.src = "/dashboard/preview?t=" + Date.now();
    },
  };
}
