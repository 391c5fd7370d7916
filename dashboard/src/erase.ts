// Erasing a visitor (a data subject's request): a modal that asks the owner
// to type the start of the visitor id, then shows the signed tombstone the
// server returns as the confirmation to keep.
import { ApiError, post } from "./api";
import { copyButton, field, h, replace } from "./dom";
import type { Erasure, LogResult } from "./types";

const PREFIX = 8;

/** eraseDialog builds the (closed) dialog; done receives the page's new content. */
export function eraseDialog(r: LogResult, done: (el: HTMLElement) => void): HTMLDialogElement {
  const want = r.visitor.slice(0, PREFIX).toLowerCase();
  const n = r.total;
  const typed = h("input", { name: "confirm-visitor", class: "mono", autocomplete: "off", spellcheck: "false", autocapitalize: "off", maxlength: String(PREFIX) });
  const go = h("button", { type: "submit", class: "btn danger-solid", disabled: true }, `Erase ${n} receipt${n == 1 ? "" : "s"}`);
  const err = h("p", { class: "error", role: "alert" });
  const cancel = h("button", { type: "button", class: "btn" }, "Cancel");
  typed.addEventListener("input", () => (go.disabled = typed.value.trim().toLowerCase() != want));
  const form = h("form", { class: "erase-form" },
    h("h2", { id: "erase-title" }, "Erase this visitor?"),
    h("p", null, "Every receipt of visitor ", h("code", { class: "break" }, r.visitor), " on ", h("strong", null, r.site),
      ` is deleted (${n} in their chain). The log keeps only their hashes and records the erasure as a signed tombstone.`),
    h("p", { class: "warn-note" }, "This cannot be undone. Their consent can no longer be proven: download their evidence pack first if you may need it."),
    field(`Type ${want} (the first ${PREFIX} characters of the visitor id) to confirm`, typed),
    err,
    h("div", { class: "actions" }, cancel, go),
  );
  const dialog = h("dialog", { class: "modal", "aria-labelledby": "erase-title" }, form);
  cancel.addEventListener("click", () => dialog.close());
  // Escape closes a modal dialog, but not the erasure once asked for: while
  // it runs the dialog stays, to show its outcome (or why it failed).
  dialog.addEventListener("cancel", (e) => cancel.disabled && e.preventDefault());
  dialog.addEventListener("close", () => {
    typed.value = "";
    go.disabled = true;
    err.textContent = "";
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (go.disabled) return;
    go.disabled = cancel.disabled = true;
    err.textContent = "";
    try {
      const res = await post<Erasure>(`/sites/${encodeURIComponent(r.site)}/visitors/${encodeURIComponent(r.visitor)}/erase`);
      dialog.close();
      const card = erased(r, res);
      done(card);
      card.querySelector("h2")!.focus();
    } catch (x) {
      err.textContent = x instanceof ApiError ? x.message : "Could not reach the server.";
      go.disabled = false;
    } finally {
      cancel.disabled = false;
    }
  });
  return dialog;
}

function erased(r: LogResult, e: Erasure): HTMLElement {
  return h("div", { class: "card erased", id: "erase-done" },
    h("div", { class: "verdict ok" }, h("span", { class: "big-check", "aria-hidden": "true" }, "✓"),
      h("div", { class: "verdict-body" },
        h("p", { class: "verdict-kind" }, "Erasure"),
        h("h2", { class: "verdict-title", tabindex: "-1" }, "Visitor erased"),
        h("p", { class: "verdict-lead" }, `${e.erased} receipt${e.erased == 1 ? "" : "s"} of visitor `, h("code", { class: "break" }, r.visitor), ` removed from ${r.site}. The erasure is entry ${e.log} of the signed log.`))),
    h("h3", null, "Signed confirmation"),
    h("p", { class: "muted small" }, "A JWS signed with this server's key (typ assent-event+jwt): keep it as the record of the request. Anyone can check it against /.well-known/jwks.json."),
    h("pre", { class: "code break", id: "erase-confirmation" }, e.confirmation),
    h("div", { class: "actions start" }, copyButton(() => e.confirmation, "Copy confirmation")),
  );
}
