import { ApiError, post } from "../api";
import type { Ctx } from "../app";
import { P } from "../app";
import { field, fmtInt, fmtTime, h, onSubmit, replace } from "../dom";
import type { PackReport, PackVerdict, ReceiptVerdict } from "../types";
import { verdictBanner } from "../verdict";

export function verifyPage(ctx: Ctx): void {
  const jws = h("textarea", { rows: "5", class: "mono", placeholder: "eyJhbGciOiJFZERTQSIs…", spellcheck: "false", required: true });
  const file = h("input", { type: "file", name: "pack", accept: ".zip,application/zip", required: true });
  const out = h("div", { class: "verify-out", "aria-live": "polite" });
  const busy = (what: string) => replace(out, h("div", { class: "card muted", role: "status" }, what));
  const f1 = h("form", { class: "card form-grid" }, h("h2", null, "A receipt"), field("Receipt (JWS compact form)", jws), h("div", { class: "actions" }, h("button", { class: "btn primary", type: "submit" }, "Verify receipt")));
  onSubmit(f1, async () => {
    if (!jws.value.trim()) return jws.focus();
    busy("Verifying…");
    try {
      receiptResult(out, await post<ReceiptVerdict>("/verify", { receipt: jws.value.trim() }));
    } catch (x) {
      failed(out, "Receipt", x);
    }
    reveal(out);
  });
  const f2 = h("form", { class: "card form-grid" }, h("h2", null, "An evidence pack"),
    field("Evidence pack (.zip)", file, "Checked against this server's own keys and log key, not those the pack carries, as assent verify --jwks --log-key does."),
    h("div", { class: "actions" }, h("button", { class: "btn primary", type: "submit" }, "Verify pack")));
  onSubmit(f2, async () => {
    const f = file.files?.[0];
    if (!f) return file.focus();
    const fd = new FormData();
    fd.append("pack", f);
    busy(`Uploading and verifying ${f.name} (${size(f.size)})…`);
    try {
      packResult(out, await post<PackReport>("/verify", fd), f.name);
    } catch (x) {
      failed(out, "Evidence pack", x);
    }
    reveal(out);
  });
  replace(ctx.main, h("div", { class: "page-head" }, h("h1", null, "Verify"), h("p", { class: "muted" }, "Check a receipt, or an evidence pack and the log proofs it carries, against this server's keys.")), h("div", { class: "grid2 pair" }, f1, f2), out);
}

// reveal brings the verdict into view (on a phone it is below the forms)
// and gives it focus, so keyboard users continue from it.
const reveal = (out: HTMLElement) => (out.querySelector("#verdict") as HTMLElement | null)?.focus();

const size = (n: number) => (n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);

// failed shows a refusal (not a pack, not a JWS) as a verdict: to the person
// checking, a file that cannot be read does not verify.
function failed(out: HTMLElement, kind: string, x: unknown): void {
  const msg = x instanceof ApiError ? x.message : "Could not reach the server.";
  if (x instanceof ApiError && x.status == 400) {
    replace(out, h("div", { class: "card" }, verdictBanner({ ok: false, kind, lead: `This ${kind.toLowerCase()} could not be read.`, problems: [msg] })));
  } else {
    replace(out, h("div", { class: "card alert", role: "alert" }, msg));
  }
}

function receiptResult(out: HTMLElement, v: ReceiptVerdict): void {
  const c = v.claims || {};
  const str = (k: string) => (typeof c[k] == "string" || typeof c[k] == "number" ? String(c[k]) : "");
  const when = (k: string) => (typeof c[k] == "number" ? fmtTime(new Date((c[k] as number) * 1000).toISOString()) : "");
  replace(out, h("div", { class: "card" },
    verdictBanner({
      ok: v.ok, kind: "Receipt",
      lead: v.ok ? `Ed25519 signature by key ${v.kid}, checked against this server's published keys.` : "The signature does not check out against this server's published keys.",
      problems: v.error ? [v.error] : [],
    }),
    v.ok && h("p", { class: "summary", id: "verify-summary" },
      v.stored ? h("span", { class: "ok-text" }, "✓ This exact receipt is stored on this server") : h("span", null, "Not stored on this server (signed by it, but not in its database)")),
    v.ok && h("dl", { class: "kv" },
      h("dt", null, "Receipt"), h("dd", null, v.stored ? h("a", { href: P(`/log?q=${encodeURIComponent(str("jti"))}`), "data-route": "", class: "mono" }, str("jti")) : h("code", null, str("jti"))),
      h("dt", null, "Site"), h("dd", null, str("site")),
      h("dt", null, "Action"), h("dd", null, h("span", { class: "badge action " + str("action") }, str("action").replace("_", " "))),
      h("dt", null, "Visitor"), h("dd", null, h("code", null, str("sub"))),
      h("dt", null, "Issued"), h("dd", null, when("iat")),
      h("dt", null, "Expires"), h("dd", null, when("exp")),
      h("dt", null, "Log index"), h("dd", null, str("log")),
      h("dt", null, "Config"), h("dd", null, h("code", { class: "break" }, str("config"))),
    ),
    v.ok && h("details", null, h("summary", null, "Signed claims (JSON)"), h("pre", { class: "code" }, JSON.stringify(c, null, 2))),
  ));
}

const PAGE = 200;

// removedText says how many receipts of the range tombstones removed, and why.
function removedText(rs: { reason: string; at: string; receipts: string[] }[]): string {
  const n = rs.reduce((a, r) => a + r.receipts.length, 0);
  const by = rs.map((r) => `${fmtInt(r.receipts.length)} by ${r.reason} on ${r.at.slice(0, 10)}`).join(", ");
  return `${fmtInt(n)} receipt${n == 1 ? "" : "s"} removed under signed tombstones (${by})`;
}

// packResult renders a pack's report. A pack may hold 100,000 receipts: the
// failed ones come first, and rows are added a page at a time.
function packResult(out: HTMLElement, rep: PackReport, name: string): void {
  const rs = rep.receipts || [];
  const n = rs.length, failedN = rep.failed;
  const order: number[] = [];
  rs.forEach((r, i) => !r.ok && order.push(i));
  rs.forEach((r, i) => r.ok && order.push(i));
  const lead = rep.ok
    ? "Every receipt's signature, its place in the signed log and the config it names check out, against this server's keys and log key."
    : failedN
      ? `${fmtInt(failedN)} of ${fmtInt(n)} receipt${n == 1 ? "" : "s"} failed ${failedN == 1 ? "its" : "their"} checks${rep.problems?.length ? ", and the pack itself has problems" : ""}.`
      : "The pack itself fails its checks, so its receipts cannot be trusted.";
  const cp = rep.checkpoint;
  const summary = h("p", { class: "summary", id: "pack-summary" },
    h("span", null, h("strong", null, fmtInt(n)), ` receipt${n == 1 ? "" : "s"}`),
    h("span", { class: "ok-text" }, h("strong", null, fmtInt(n - failedN)), " verified"),
    h("span", { class: failedN ? "error" : "" }, h("strong", null, fmtInt(failedN)), " failed"),
    cp && cp.origin ? h("span", null, "checkpoint ", h("code", null, cp.origin), `, size ${fmtInt(cp.size)}`) : h("span", { class: "error" }, "no valid checkpoint"),
    // Which key signed from where: a rotation is on the record.
    rep.keys?.activations?.length ? h("span", { id: "pack-keys" }, "signing keys: ",
      rep.keys.activations.map((a, i) => [i ? ", " : "", h("code", { title: a.kid }, a.kid.slice(0, 8) + "…"), ` from log index ${fmtInt(a.log)}`])) : null,
    // Receipts of the range that are gone, each under a signed tombstone.
    rep.removals?.length ? h("span", { id: "pack-removed" }, removedText(rep.removals)) : null,
  );

  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "btn", id: "show-more" });
  const shown = h("p", { class: "muted small", role: "status" });
  const find = h("input", { type: "search", class: "find", placeholder: "Find a receipt by id…", "aria-label": "Find a receipt by id", "aria-controls": "pack-receipts", spellcheck: "false", autocomplete: "off" });
  let list = order, at = 0;
  const page = () => {
    const end = Math.min(list.length, at + PAGE);
    const frag = document.createDocumentFragment();
    for (; at < end; at++) frag.append(row(rs[list[at]]));
    tbody.append(frag);
    shown.textContent = list.length ? `Showing ${fmtInt(at)} of ${fmtInt(list.length)}${list.length < n ? " matching" : ""}${failedN && list === order ? ", failed first" : ""}.` : "No receipt matches.";
    more.hidden = at >= list.length;
    more.textContent = `Show ${fmtInt(Math.min(PAGE, list.length - at))} more`;
  };
  more.addEventListener("click", page);
  find.addEventListener("input", () => {
    const q = find.value.trim().toLowerCase();
    list = q ? order.filter((i) => rs[i].id.toLowerCase().includes(q)) : order;
    at = 0;
    tbody.replaceChildren();
    page();
  });
  page();

  replace(out, h("div", { class: "card pack-report" },
    verdictBanner({ ok: rep.ok, kind: "Evidence pack · " + name, lead, problems: rep.problems }),
    summary,
    n > 0 && [
      h("div", { class: "table-head" }, h("h2", null, "Receipts"), n > PAGE && find),
      h("div", { class: "table-wrap" }, h("table", { class: "data receipts", id: "pack-receipts" },
        h("thead", null, h("tr", null, ["Receipt", "Log index", "Action", "Verdict", "Problems"].map((c) => h("th", { scope: "col" }, c)))),
        tbody)),
      h("div", { class: "more-row" }, shown, more),
    ],
  ));
}

function row(r: PackVerdict): HTMLElement {
  // A receipt whose claims could not be read (a bad signature) has no
  // trustworthy index or action: the server sends neither.
  const read = r.log !== undefined;
  return h("tr", { class: r.ok ? "" : "failed" },
    h("th", { scope: "row", class: "c-id" }, h("code", null, r.id)),
    h("td", { class: "c-log" }, read ? String(r.log) : "unknown"),
    h("td", { class: "c-action" }, read && r.action ? h("span", { class: "badge action " + r.action }, r.action.replace("_", " ")) : h("span", { class: "muted" }, "–")),
    h("td", { class: "c-verdict" }, r.ok ? h("span", { class: "ok-text" }, "✓ verified") : h("span", { class: "bad-text" }, "✗ failed")),
    h("td", { class: "problems" }, r.problems?.length ? h("ul", { class: "plain" }, r.problems.map((p) => h("li", null, p))) : h("span", { class: "muted" }, "none")),
  );
}
