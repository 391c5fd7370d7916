import { download } from "../api";
import type { Ctx } from "../app";
import { field, h, replace } from "../dom";

const iso = (d: Date) => d.toISOString().slice(0, 10);

// The last export stays in memory for its "Save again" link; the one
// before it is let go, so that a session of exports does not pile up.
let kept = "";
const keep = (b: Blob) => (kept && URL.revokeObjectURL(kept), (kept = URL.createObjectURL(b)));

export function exportsPage(ctx: Ctx): void {
  const site = h("select", { name: "site" }, ctx.sites.map((s) => h("option", { value: s.id, selected: ctx.site?.id == s.id }, s.name)));
  const from = h("input", { type: "date", name: "from", required: true, value: iso(new Date(Date.now() - 29 * 864e5)) });
  const to = h("input", { type: "date", name: "to", required: true, value: iso(new Date()) });
  const visitor = h("input", { name: "visitor", placeholder: "optional: one visitor's id", class: "mono" });
  const formats: [string, string, string][] = [
    ["csv", "CSV", "One row per receipt, a column per purpose. Opens in a spreadsheet."],
    ["ndjson", "NDJSON", "One JSON object per line, with the signed receipt."],
    ["evidence", "Evidence pack", "A zip with receipts, keys, log proofs and the configs shown: verifiable offline."],
  ];
  const radios = h("fieldset", { class: "formats" }, h("legend", null, "Format"), formats.map(([v, label, hint], i) =>
    h("label", { class: "format" }, h("input", { type: "radio", name: "format", value: v, checked: i == 0 }), h("span", null, h("strong", null, label), h("span", { class: "muted small" }, hint)))));
  const progress = h("div", { class: "progress", role: "status", "aria-live": "polite" });
  const btn = h("button", { type: "submit", class: "btn primary" }, "Download");
  const form = h("form", { class: "card form-grid" }, field("Site", site), h("div", { class: "grid2" }, field("From", from), field("To", to)), radios,
    field("Visitor (evidence pack only)", visitor, "Leave empty to export the whole range."), h("div", { class: "actions" }, btn), progress);
  // CSV and NDJSON cover a range; only a pack can be one visitor's.
  const formatChanged = () => (visitor.disabled = (form.querySelector("input[name=format]:checked") as HTMLInputElement).value != "evidence");
  radios.addEventListener("change", formatChanged);
  formatChanged();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fmt = (form.querySelector("input[name=format]:checked") as HTMLInputElement).value;
    // Ranges are half-open: the To day ends where the next one starts.
    const next = new Date(Date.parse(to.value) + 864e5).toISOString().slice(0, 10);
    const range = `from=${from.value}T00:00:00Z&to=${next}T00:00:00Z`;
    const path = fmt == "evidence"
      ? `/sites/${site.value}/evidence?${visitor.value.trim() ? "visitor=" + encodeURIComponent(visitor.value.trim()) : range}`
      : `/sites/${site.value}/receipts?${range}&format=${fmt}`;
    btn.disabled = true;
    const bar = h("progress", { "aria-label": "Export progress" });
    const label = h("span", null, "Preparing…");
    replace(progress, bar, label);
    try {
      const { blob, name } = await download(path, (n) => (label.textContent = `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB received…`));
      const a = h("a", { href: keep(blob), download: name, class: "btn small" }, `Save ${name} again`);
      replace(progress, h("span", { class: "ok-text", id: "export-done" }, `Done: ${name}, ${(blob.size / 1024).toFixed(1)} KiB. `), a);
      a.click();
    } catch (x) {
      replace(progress, h("span", { class: "error", role: "alert" }, x instanceof Error ? x.message : String(x)));
    } finally {
      btn.disabled = false;
    }
  });
  replace(ctx.main, h("div", { class: "page-head" }, h("h1", null, "Exports"), h("p", { class: "muted" }, "Receipts for a date range (UTC), streamed as they are read. Evidence packs carry everything needed to check them without this server.")), form);
}
