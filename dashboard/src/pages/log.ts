import { ApiError, BASE, get } from "../api";
import type { Ctx } from "../app";
import { P } from "../app";
import { copyButton, field, fmtTime, h, replace } from "../dom";
import { eraseDialog } from "../erase";
import { previewFrame } from "../frame";
import { renderConfig } from "../render";
import type { LogEntry, LogResult, RecentEntry } from "../types";
import { verdictBanner } from "../verdict";

export function logPage(ctx: Ctx): void {
  const q = h("input", { type: "search", name: "q", value: ctx.params.get("q") || "", placeholder: "Receipt id or visitor id", spellcheck: "false", autocomplete: "off", class: "mono" });
  // Without a search the page lists one site's latest decisions: the
  // picker names that site, not "All sites".
  const shown = ctx.params.get("site") || (ctx.params.get("q") ? "" : ctx.site?.id || ctx.sites[0]?.id);
  const site = h("select", { name: "site" }, h("option", { value: "" }, "All sites"), ctx.sites.map((s) => h("option", { value: s.id, selected: shown == s.id }, s.name)));
  const out = h("div", { class: "log-result", "aria-live": "polite" });
  const form = h("form", { class: "card search", role: "search" }, field("Find a receipt or visitor", q), field("Site", site), h("button", { type: "submit", class: "btn primary" }, "Search"));
  // With nothing to find, the site chosen shows its latest decisions.
  site.addEventListener("change", () => q.value.trim() || ctx.go(`/log${site.value ? "?site=" + site.value : ""}`));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    ctx.go(`/log?q=${encodeURIComponent(q.value.trim())}${site.value ? "&site=" + site.value : ""}`);
  });
  replace(ctx.main, h("div", { class: "page-head" }, h("h1", null, "Consent log"), h("p", { class: "muted" }, "Every decision is a signed receipt. Look one up to see what the visitor chose, what they were shown, and whether the signature holds.")), form, out);
  const query = ctx.params.get("q");
  if (!query) return recent(ctx, out, site.value || ctx.site?.id || ctx.sites[0]?.id);
  replace(out, h("p", { class: "muted" }, "Searching…"));
  get<LogResult>(`/consents?q=${encodeURIComponent(query)}${ctx.params.get("site") ? "&site=" + ctx.params.get("site") : ""}`)
    .then((r) => show(ctx, out, r))
    .catch((e) => replace(out, h("div", { class: "card alert", role: "alert" }, e instanceof ApiError ? e.message : String(e))));
}

function show(ctx: Ctx, out: HTMLElement, r: LogResult): void {
  const detail = h("div", { class: "receipt-detail" });
  const preview = previewFrame("The banner as this visitor saw it");
  const select = (e: LogEntry) => {
    for (const b of chain.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.id == e.id));
    const c = e.claims;
    const cfg = r.configs[c.config];
    replace(detail,
      h("div", { class: "card" },
        verdictBanner({
          ok: e.verified, kind: "Receipt",
          lead: e.verified ? `Ed25519 signature by key ${e.kid}, checked against this server's published keys.` : "The signature does not check out against this server's published keys.",
          problems: e.problem ? [e.problem] : [],
        }),
        h("h2", null, "Receipt ", h("code", null, e.id)),
        h("dl", { class: "kv" },
          h("dt", null, "Action"), h("dd", null, h("span", { class: "badge action " + c.action }, String(c.action).replace("_", " "))),
          h("dt", null, "Choices"), h("dd", null, Object.entries(c.choices || {}).map(([p, v]) => h("span", { class: "chip " + (v ? "on" : "off") }, `${v ? "✓" : "✗"} ${p}`))),
          h("dt", null, "Issued"), h("dd", null, fmtTime(e.issued_at)),
          h("dt", null, "Expires"), h("dd", null, fmtTime(e.expires_at)),
          h("dt", null, "Visitor"), h("dd", null, h("a", { href: P(`/log?q=${c.sub}&site=${r.site}`), "data-route": "", class: "mono" }, c.sub)),
          h("dt", null, "Page"), h("dd", { class: "break" }, c.url),
          h("dt", null, "Language"), h("dd", null, c.lang),
          h("dt", null, "GPC signal"), h("dd", null, c.gpc ? "yes" : "no"),
          h("dt", null, "Log index"), h("dd", null, String(c.log)),
          h("dt", null, "Previous"), h("dd", null, c.prev ? h("code", null, c.prev) : "none (first decision)"),
          h("dt", null, "Config"), h("dd", null, h("code", { class: "break" }, c.config)),
        ),
        h("details", null, h("summary", null, "Signed claims (JSON)"), h("pre", { class: "code" }, JSON.stringify(c, null, 2))),
        h("details", null, h("summary", null, "Receipt (JWS)"), h("pre", { class: "code break" }, e.receipt), copyButton(() => e.receipt, "Copy receipt")),
      ),
      h("div", { class: "card" }, h("h2", null, "What the visitor saw"),
        cfg ? [renderConfig(cfg), preview.el] : h("p", { class: "muted" }, "This config version is not on this server.")),
    );
    if (cfg) preview.show(cfg, c.lang, c.gpc === true); // with the notice, if the visitor sent the signal
  };
  const chain = h("ol", { class: "chain", "aria-label": "The visitor's receipts, newest first" }, r.receipts.map((e, i) => [
    // The receipt searched for, older than those shown: after a gap.
    r.gap && i == r.receipts.length - 1 && h("li", { class: "muted small gap" }, "… older receipts not shown; the one searched for:"),
    h("li", null, h("button", { type: "button", "data-id": e.id, onclick: () => select(e) },
      h("span", { class: "badge action " + e.claims.action }, String(e.claims.action || "?").replace("_", " ")),
      h("span", { class: "small" }, fmtTime(e.issued_at)),
      h("span", { class: e.verified ? "ok-text small" : "error small" }, e.verified ? "✓ verified" : "✗ invalid")))]));
  replace(out, visitorHead(ctx, out, r), h("div", { class: "log-grid" }, h("div", { class: "card" }, h("h2", null, "Chain"), chain), detail));
  select(r.receipts.find((e) => e.id == r.query) || r.receipts[0]);
}

// visitorHead names the visitor and offers what can be done with all their
// receipts at once: everyone may take the evidence; only owners may erase.
function visitorHead(ctx: Ctx, out: HTMLElement, r: LogResult): HTMLElement {
  const n = r.total;
  const pack = h("a", { class: "btn", id: "visitor-pack", href: `${BASE}/sites/${encodeURIComponent(r.site)}/evidence?visitor=${encodeURIComponent(r.visitor)}`, download: "", "aria-label": "Download evidence pack for this visitor" }, "Download evidence pack");
  let erase: HTMLElement[] = [];
  if (ctx.me.role == "owner") {
    const dialog = eraseDialog(r, (done) => replace(out, done));
    const open = h("button", { type: "button", class: "btn danger", id: "erase", "aria-haspopup": "dialog", onclick: () => dialog.showModal() }, "Erase this visitor");
    // Back to the button on close: browsers restore focus from a modal
    // dialog unreliably (headless Chromium under load does not always).
    dialog.addEventListener("close", () => open.isConnected && open.focus());
    erase = [open, dialog];
  }
  return h("div", { class: "card visitor-head" },
    h("div", { class: "visitor-id" },
      h("p", { class: "muted small" }, "Visitor"),
      h("code", { class: "break" }, r.visitor),
      h("p", { class: "muted small" }, "on site ", h("strong", null, r.site), ` · ${n} receipt${n == 1 ? "" : "s"} in their chain${r.gap ? `, the newest ${r.receipts.length - 1} and the one searched for shown` : n > r.receipts.length ? `, the newest ${r.receipts.length} shown` : ""}`)),
    h("div", { class: "visitor-actions" }, pack, erase),
  );
}

// recent lists a site's newest decisions, a page at a time, each leading
// to its receipt and its visitor: the log can be browsed, not only searched.
function recent(ctx: Ctx, out: HTMLElement, siteID?: string): void {
  if (!siteID) return;
  const name = ctx.sites.find((s) => s.id == siteID)?.name || siteID;
  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "btn", hidden: true }, "Show older");
  const note = h("p", { class: "muted small", role: "status" }, "Loading…");
  let next = "";
  let busy = false;
  // Not disabled while it loads: a disabled button loses focus, and a
  // keyboard user would land at the top of the page.
  const load = async () => {
    if (busy) return;
    busy = true;
    more.setAttribute("aria-disabled", "true");
    const first = tbody.children.length;
    try {
      const r = await get<{ receipts: RecentEntry[]; next?: string }>(`/sites/${siteID}/recent?limit=25${next ? "&before=" + next : ""}`);
      tbody.append(...r.receipts.map((e) => h("tr", null,
        h("td", null, h("a", { href: P(`/log?q=${e.id}&site=${siteID}`), "data-route": "" }, fmtTime(e.issued_at))),
        h("td", null, h("span", { class: "badge action " + e.action }, e.action.replace("_", " "))),
        h("td", { class: "wide-only" }, Object.entries(e.choices || {}).filter(([p]) => p != "necessary").map(([p, v]) => h("span", { class: "chip " + (v ? "on" : "off") }, `${v ? "✓" : "✗"} ${p}`))),
        h("td", null, h("a", { href: P(`/log?q=${e.visitor}&site=${siteID}`), "data-route": "", class: "mono small", "aria-label": `Visitor ${e.visitor}` }, e.visitor.slice(0, 8) + "…")))));
      next = r.next || "";
      // The last page hides the button: focus goes to the first new row.
      if (!next && first && document.activeElement == more) tbody.children[first]?.querySelector("a")?.focus();
      more.hidden = !next;
      note.textContent = !tbody.children.length ? "No decisions recorded yet." : first ? `${r.receipts.length} older decision${r.receipts.length == 1 ? "" : "s"} shown${next ? "" : "; that is all"}.` : "";
    } catch (x) {
      note.textContent = x instanceof ApiError ? x.message : String(x);
    } finally {
      busy = false;
      more.removeAttribute("aria-disabled");
    }
  };
  more.addEventListener("click", load);
  replace(out, h("div", { class: "card" }, h("h2", null, `Latest decisions on ${name}`),
    h("div", { class: "table-wrap" }, h("table", { class: "data recent", id: "recent" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "When (receipt)"), h("th", { scope: "col" }, "Action"), h("th", { scope: "col", class: "wide-only" }, "Choices"), h("th", { scope: "col" }, "Visitor"))), tbody)),
    note, h("div", { class: "more-row" }, more)));
  load();
}
