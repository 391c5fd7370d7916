import { ApiError, post } from "../api";
import type { Ctx } from "../app";
import { P } from "../app";
import { blame, field, fmtTime, h, replace, onSubmit } from "../dom";
import type { Site } from "../types";

// The list is loaded anew: another owner, tab or API client may have
// added or published a site since sign-in.
export async function sitesPage(ctx: Ctx): Promise<void> {
  replace(ctx.main, h("p", { class: "muted", role: "status" }, "Loading…"));
  try {
    ctx.sites = await ctx.refreshSites();
  } catch {
    // the list as it was: the page still works
  }
  if (!ctx.main.isConnected) return; // another page was opened meanwhile
  const list = h("ul", { class: "site-list" },
    ctx.sites.map((s) => h("li", { class: "card site-card" },
      h("div", null,
        h("a", { href: P(`/sites/${s.id}`), "data-route": "", class: "site-name" }, s.name),
        h("p", { class: "muted" }, s.id, " · ", (s.origins || []).join(", ") || "no origins yet"),
      ),
      h("div", { class: "site-meta" },
        s.current ? h("span", { class: "badge ok" }, "Live") : h("span", { class: "badge warn" }, "Not published"),
        liveSince(s),
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
      blame(err, x instanceof ApiError ? x.message : "", [[/origin/i, origins], [/site id|with id/i, sid], [/name/i, name]]);
    }
  });
  return form;
}

export const lines = (v: string) => v.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);

// liveSince names the live version (numbered by first publication, as on
// the Versions page) and when it went live: after a rollback, an earlier
// number, since the rollback.
function liveSince(s: Site): HTMLElement | null {
  const pubs = s.versions || [];
  const at = pubs.map((v) => v.id).lastIndexOf(s.current || "");
  if (at < 0) return null;
  const ids = [...new Set(pubs.map((v) => v.id))];
  return h("span", { class: "muted small" }, `v${ids.indexOf(pubs[at].id) + 1} of ${ids.length} · live since ${fmtTime(pubs[at].published_at)}`);
}
