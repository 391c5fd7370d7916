import { ApiError, get } from "../api";
import type { Ctx } from "../app";
import { freshSite } from "../fresh";
import { fmtTime, h, replace } from "../dom";
import { previewFrame } from "../frame";
import { renderConfig } from "../render";
import type { Config } from "../types";

// The site is loaded as it is now, not as listed at sign-in: another owner,
// tab or API client may have published since.
export const versionsPage = (ctx: Ctx) => freshSite(ctx, versions);

function versions(ctx: Ctx): void {
  const site = ctx.site!;
  // Each entry is a publication: a config that went live, also one going
  // live again (a rollback). A config keeps its number, by first publication.
  const pubs = site.versions || [];
  const num = new Map<string, number>();
  for (const v of pubs) if (!num.has(v.id)) num.set(v.id, num.size + 1);
  const live = pubs.map((v) => v.id).lastIndexOf(site.current || "");
  const detail = h("div", { class: "card version-detail" });
  const preview = previewFrame("Preview of this version");
  async function open(i: number): Promise<void> {
    const id = pubs[i].id;
    for (const b of list.querySelectorAll<HTMLButtonElement>("button")) b.setAttribute("aria-pressed", String(b.dataset.i == String(i)));
    replace(detail, h("p", { class: "muted" }, "Loading…"));
    let cfg: Config;
    try {
      cfg = await get<Config>(`/sites/${site.id}/versions/${id}`);
    } catch (e) {
      replace(detail, h("div", { class: "alert", role: "alert" }, e instanceof ApiError ? e.message : String(e)));
      return;
    }
    replace(detail, h("h2", null, `Version ${num.get(id)} `, h("code", null, id.slice(7, 19))), renderConfig(cfg), h("h3", null, "As visitors saw it"), preview.el);
    preview.show(cfg);
  }
  const list = h("ol", { class: "versions", reversed: true }, pubs.map((v, i) => {
    const again = pubs.findIndex((w) => w.id == v.id) < i;
    return h("li", null, h("button", { type: "button", class: "version", "data-id": v.id, "data-i": i, onclick: () => open(i) },
      h("span", { class: "vnum" }, `v${num.get(v.id)}`),
      h("code", null, v.id.slice(7, 19)),
      h("span", { class: "muted" }, (again ? "live again " : "") + fmtTime(v.published_at)),
      i == live && h("span", { class: "badge ok" }, "Live")));
  }).reverse());
  replace(ctx.main,
    h("div", { class: "page-head" }, h("h1", null, "Versions"), h("p", { class: "muted" }, "Every publication, newest first; each published config is kept, unchanged, under the hash receipts refer to.")),
    pubs.length ? h("div", { class: "split" }, h("div", { class: "card" }, list), detail) : h("div", { class: "card empty" }, h("p", null, "Nothing published yet.")),
  );
  if (pubs.length) open(live >= 0 ? live : pubs.length - 1);
}
