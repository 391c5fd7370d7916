import { ApiError, post } from "../api";
import type { Ctx } from "../app";
import { field, h, replace } from "../dom";

export function verifyPage(ctx: Ctx): void {
  const jws = h("textarea", { rows: "5", class: "mono", placeholder: "eyJhbGciOiJFZERTQSIs…", spellcheck: "false" });
  const file = h("input", { type: "file", accept: ".zip,application/zip" });
  const out = h("div", { class: "verify-out", "aria-live": "polite" });
  const run = async (body: unknown) => {
    replace(out, h("p", { class: "muted" }, "Verifying…"));
    try {
      verdict(out, await post<Record<string, any>>("/verify", body));
    } catch (x) {
      replace(out, h("div", { class: "card alert", role: "alert" }, x instanceof ApiError ? x.message : String(x)));
    }
  };
  const f1 = h("form", { class: "card form-grid" }, h("h2", null, "A receipt"), field("Receipt (JWS compact form)", jws), h("div", { class: "actions" }, h("button", { class: "btn primary", type: "submit" }, "Verify receipt")));
  f1.addEventListener("submit", (e) => (e.preventDefault(), run({ receipt: jws.value.trim() })));
  const f2 = h("form", { class: "card form-grid" }, h("h2", null, "An evidence pack"), field("Evidence pack (.zip)", file), h("div", { class: "actions" }, h("button", { class: "btn primary", type: "submit" }, "Verify pack")));
  f2.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!file.files?.[0]) return file.focus();
    const fd = new FormData();
    fd.append("pack", file.files[0]);
    run(fd);
  });
  replace(ctx.main, h("div", { class: "page-head" }, h("h1", null, "Verify"), h("p", { class: "muted" }, "Check a receipt or an evidence pack against this server's keys and log.")), h("div", { class: "grid2 top" }, f1, f2), out);
}

// verdict renders the server's answer: a headline from its ok/valid flag,
// then whatever checks and details it reports.
function verdict(out: HTMLElement, v: Record<string, any>): void {
  const ok = v.ok ?? v.valid ?? v.verified;
  const rest = Object.entries(v).filter(([k]) => !["ok", "valid", "verified"].includes(k));
  replace(out, h("div", { class: "card" },
    h("div", { class: "verdict " + (ok ? "ok" : "bad"), id: "verdict" }, h("span", { class: "big-check", "aria-hidden": "true" }, ok ? "✓" : "✗"),
      h("div", null, h("strong", null, ok ? "Verified" : "Does not verify"), v.message && h("p", { class: "muted small" }, String(v.message)))),
    h("dl", { class: "kv" }, rest.filter(([k]) => k != "message").map(([k, val]) => [h("dt", null, k.replace(/_/g, " ")), h("dd", null, value(val))])),
  ));
}

function value(v: any): Node | string {
  if (v === true) return h("span", { class: "ok-text" }, "✓ yes");
  if (v === false) return h("span", { class: "error" }, "✗ no");
  if (Array.isArray(v)) return h("ul", { class: "plain" }, v.map((x) => h("li", null, value(x))));
  if (v && typeof v == "object") return h("dl", { class: "kv inner" }, Object.entries(v).map(([k, x]) => [h("dt", null, k.replace(/_/g, " ")), h("dd", null, value(x))]));
  return h("span", { class: "break" }, String(v));
}
