import { ApiError, get } from "../api";
import type { Ctx } from "../app";
import { fmtTime, h, replace } from "../dom";
import { previewFrame } from "../frame";
import { renderConfig } from "../render";
import type { Config } from "../types";

export function versionsPage(ctx: Ctx): void {
  const site = ctx.site!;
  const versions = [...(site.versions || [])].reverse();
  const detail = h("div", { class: "card version-detail" });
  const preview = previewFrame("Preview of this version");
  async function open(id: string): Promise<void> {
    replace(detail, h("p", { class: "muted" }, "Loading…"));
    let cfg: Config;
    try {
      cfg = await get<Config>(`/sites/${site.id}/versions/${id}`);
    } catch (e) {
      replace(detail, h("div", { class: "alert", role: "alert" }, e instanceof ApiError ? e.message : String(e)));
      return;
    }
    replace(detail, h("h2", null, "Version ", h("code", null, id.slice(7, 19))), renderConfig(cfg), h("h3", null, "As visitors saw it"), preview.el);
    preview.show(cfg);
    for (const b of list.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.id == id));
  }
  const list = h("ol", { class: "versions" }, versions.map((v, i) =>
    h("li", null, h("button", { type: "button", class: "version", "data-id": v.id, onclick: () => open(v.id) },
      h("span", { class: "vnum" }, `v${versions.length - i}`),
      h("code", null, v.id.slice(7, 19)),
      h("span", { class: "muted" }, fmtTime(v.published_at)),
      v.id == site.current && h("span", { class: "badge ok" }, "Live")))));
  replace(ctx.main,
    h("div", { class: "page-head" }, h("h1", null, "Versions"), h("p", { class: "muted" }, "Every published config is kept, unchanged, under the hash receipts refer to.")),
    versions.length ? h("div", { class: "split" }, h("div", { class: "card" }, list), detail) : h("div", { class: "card empty" }, h("p", null, "Nothing published yet.")),
  );
  if (versions.length) open(site.current || versions[0].id);
}
