import { ApiError, get } from "../api";
import type { Ctx } from "../app";
import { DASHES, legend, lines, stacked, type Series } from "../chart";
import { field, fmtInt, h, pct, replace } from "../dom";
import type { Insights } from "../types";

// Every colour has at least 3:1 against the card (WCAG 1.4.11); a bar's
// segments are told apart by white edges, and lines by their dashes too.
const ACTIONS = [
  { key: "accept_all", label: "Accept all", color: "#4f46e5" },
  { key: "custom", label: "Custom", color: "#0d9488" },
  { key: "reject_all", label: "Reject all", color: "#b45309" },
  { key: "gpc", label: "GPC", color: "#0369a1" },
  { key: "withdraw", label: "Withdrawn", color: "#e11d48" },
];
const PURPOSE_COLORS = ["#4f46e5", "#0369a1", "#b45309", "#047857", "#e11d48", "#7c3aed", "#475569"];
const RANGES: [string, number][] = [["7 days", 7], ["30 days", 30], ["90 days", 90], ["12 months", 365]];

const iso = (d: Date) => d.toISOString().slice(0, 10);

export function insightsPage(ctx: Ctx): void {
  const site = ctx.site!;
  const today = new Date();
  const to = ctx.params.get("to") || iso(today);
  const from = ctx.params.get("from") || iso(new Date(Date.parse(to) - 29 * 864e5));
  const body = h("div", { class: "insights" }, h("p", { class: "muted" }, "Loading…"));
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 864e5) + 1;
  const set = (f: string, t: string) => ctx.go(`/sites/${site.id}?from=${f}&to=${t}`);
  const fromI = h("input", { type: "date", value: from, max: to });
  const toI = h("input", { type: "date", value: to });
  const custom = h("form", { class: "range-custom" }, field("From", fromI), field("To", toI), h("button", { class: "btn small", type: "submit" }, "Apply"));
  custom.addEventListener("submit", (e) => (e.preventDefault(), set(fromI.value, toI.value)));
  replace(ctx.main,
    h("div", { class: "page-head" },
      h("div", null, h("h1", null, site.name), h("p", { class: "muted" }, `Decisions per day, ${from} to ${to} (UTC), counted as they were made: receipts removed later (retention, erasure) stay counted`)),
      h("div", { class: "range" },
        h("div", { class: "seg", role: "group", "aria-label": "Range" }, RANGES.map(([label, n]) =>
          h("button", { type: "button", "aria-pressed": String(n == days && to == iso(today)), onclick: () => set(iso(new Date(today.getTime() - (n - 1) * 864e5)), iso(today)) }, label))),
        custom)),
    body);
  get<Insights>(`/sites/${site.id}/insights?from=${from}&to=${to}`)
    .then((ins) => draw(body, ins))
    .catch((e) => replace(body, h("p", { class: "error", role: "alert" }, e instanceof ApiError ? e.message : String(e))));
}

function draw(body: HTMLElement, ins: Insights): void {
  const t = ins.totals;
  const a = (k: string) => t.actions?.[k] || 0;
  const purposes = ins.purposes.filter((p) => p != "necessary");
  const kpi = (label: string, value: string, sub?: string) => h("div", { class: "kpi" }, h("span", { class: "kpi-label" }, label), h("strong", null, value), sub && h("span", { class: "muted small" }, sub));
  const labels = ins.days.map((d) => d.day.slice(5));
  const series: Series[] = ACTIONS.map((x) => ({ ...x, values: ins.days.map((d) => d.actions?.[x.key] || 0) }));
  const rates = purposes.map((p, i) => ({ label: p, color: PURPOSE_COLORS[i % PURPOSE_COLORS.length], dash: DASHES[i % DASHES.length],
    values: ins.days.map((d) => (d.decisions ? Math.round(((d.granted?.[p] || 0) / d.decisions) * 1000) / 10 : null)) }));
  const charts = h("div", { class: "charts" });
  const drawCharts = () => {
    const w = Math.max(280, charts.clientWidth - 2);
    replace(charts,
      h("section", { class: "card" }, h("h2", null, "Decisions"), legend(ACTIONS), stacked(w - 32, labels, series, `Decisions per day by action, ${ins.from} to ${ins.to}`)),
      h("section", { class: "card" }, h("h2", null, "Opt-in rate per purpose"), legend(rates), lines(w - 32, labels, rates, "Share of decisions granting each purpose, per day")));
  };
  replace(body,
    h("div", { class: "kpis" },
      kpi("Decisions", fmtInt(t.decisions)),
      kpi("Accept all", pct(a("accept_all"), t.decisions), fmtInt(a("accept_all"))),
      kpi("Reject all", pct(a("reject_all"), t.decisions), fmtInt(a("reject_all"))),
      kpi("Custom", pct(a("custom"), t.decisions), fmtInt(a("custom"))),
      kpi("GPC", pct(a("gpc"), t.decisions), fmtInt(a("gpc"))),
      kpi("Withdrawn", pct(a("withdraw"), t.decisions), fmtInt(a("withdraw")))), // with it the shares add up
    h("section", { class: "card" }, h("h2", null, "Opt-in by purpose"),
      h("ul", { class: "hbars" }, purposes.map((p, i) => {
        const fill = h("span", { class: "hbar-fill" });
        fill.style.width = t.decisions ? `${((t.granted?.[p] || 0) / t.decisions) * 100}%` : "0";
        fill.style.background = PURPOSE_COLORS[i % PURPOSE_COLORS.length];
        return h("li", null, h("span", { class: "hbar-label" }, p), h("span", { class: "hbar" }, fill), h("strong", null, pct(t.granted?.[p] || 0, t.decisions)));
      }))),
    charts,
    h("section", { class: "card" }, h("h2", null, "By day"),
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Decisions by day" },
        h("table", { class: "data" },
          h("thead", null, h("tr", null, h("th", { scope: "col" }, "Day"), h("th", { scope: "col" }, "Decisions"), ACTIONS.map((x) => h("th", { scope: "col" }, x.label)), purposes.map((p) => h("th", { scope: "col" }, `${p} opt-in`)))),
          h("tbody", null, [...ins.days].reverse().filter((d) => d.decisions).map((d) => h("tr", null,
            h("th", { scope: "row" }, d.day), h("td", null, fmtInt(d.decisions)),
            ACTIONS.map((x) => h("td", null, fmtInt(d.actions?.[x.key] || 0))),
            purposes.map((p) => h("td", null, pct(d.granted?.[p] || 0, d.decisions)))))),
        ),
        t.decisions == 0 && h("p", { class: "muted empty-note" }, "No decisions in this range yet."))),
  );
  drawCharts();
  let last = charts.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(charts.clientWidth - last) > 8 && charts.isConnected) {
      last = charts.clientWidth;
      drawCharts();
    }
  }).observe(charts);
}
