import { ApiError, post } from "../api";
import type { Ctx } from "../app";
import { P } from "../app";
import { field, fmtTime, h, replace, onSubmit } from "../dom";
import type { Site } from "../types";

export function sitesPage(ctx: Ctx): void {
  const list = h("ul", { class: "site-list" },
    ctx.sites.map((s) => h("li", { class: "card site-card" },
      h("div", null,
        h("a", { href: P(`/sites/${s.id}`), "data-route": "", class: "site-name" }, s.name),
        h("p", { class: "muted" }, s.id, " · ", (s.origins || []).join(", ") || "no origins yet"),
      ),
      h("div", { class: "site-meta" },
        s.current ? h("span", { class: "badge ok" }, "Live") : h("span", { class: "badge warn" }, "Not published"),
        s.versions?.length ? h("span", { class: "muted small" }, `v${s.versions.length} · ${fmtTime(s.versions[s.versions.length - 1].published_at)}`) : null,
      ),
    )),
  );
  replace(ctx.main,
    h("div", { class: "page-head" }, h("h1", null, "Sites"), h("p", { class: "muted" }, `${ctx.sites.length} site${ctx.sites.length == 1 ? "" : "s"}`)),
    ctx.sites.length ? list : h("div", { class: "card empty" }, h("p", null, "No sites yet.")),
    ctx.me.role == "owner" && newSiteForm(ctx),
  );
}

function newSiteForm(ctx: Ctx): HTMLElement {
  const name = h("input", { name: "name", required: true, placeholder: "Example Shop" });
  const sid = h("input", { name: "id", required: true, pattern: "[a-z0-9][a-z0-9-]{0,62}", placeholder: "example-shop" });
  const origins = h("textarea", { name: "origins", rows: "2", placeholder: "https://shop.example" });
  const err = h("p", { class: "error", role: "alert" });
  let idTouched = false;
  sid.addEventListener("input", () => (idTouched = true));
  name.addEventListener("input", () => {
    if (!idTouched) sid.value = name.value.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
  });
  const form = h("form", { class: "card form-grid" },
    h("h2", null, "Add a site"),
    field("Name", name),
    field("Site id", sid, "Lower-case letters, digits and dashes. It appears in the embed URL and cannot change."),
    field("Allowed origins", origins, "One per line: the pages that may record decisions for this site."),
    err,
    h("div", { class: "actions" }, h("button", { class: "btn primary", type: "submit" }, "Create site")),
  );
  onSubmit(form, async () => {
    err.textContent = "";
    try {
      const s = await post<Site>("/sites", { id: sid.value.trim(), name: name.value.trim(), origins: lines(origins.value) });
      await ctx.refreshSites();
      ctx.go(`/sites/${s.id}/edit`);
    } catch (x) {
      err.textContent = x instanceof ApiError ? x.message : String(x);
    }
  });
  return form;
}

export const lines = (v: string) => v.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
