// The verdict banner shared by the Verify page and the consent log: one look
// for "this holds up" and "this does not", whatever was checked. Every string
// in it may come from an uploaded file, so it is only ever text.
import { h } from "./dom";

export interface VerdictOpts {
  ok: boolean;
  kind: string; // what was checked: "Evidence pack", "Receipt"
  lead: string; // one sentence saying what the verdict means
  problems?: string[];
}

export function verdictBanner(v: VerdictOpts): HTMLElement {
  const problems = v.problems || [];
  return h("section", { class: "verdict " + (v.ok ? "ok" : "bad"), id: "verdict", tabindex: "-1", "aria-label": `${v.kind}: ${v.ok ? "verified" : "not verified"}` },
    h("span", { class: "big-check", "aria-hidden": "true" }, v.ok ? "✓" : "✗"),
    h("div", { class: "verdict-body" },
      h("p", { class: "verdict-kind" }, v.kind),
      h("strong", { class: "verdict-title" }, v.ok ? "Verified" : "NOT verified"),
      h("p", { class: "verdict-lead" }, v.lead),
      problems.length > 0 && h("ul", { class: "verdict-problems" }, problems.map((p) => h("li", null, p))),
    ),
  );
}
