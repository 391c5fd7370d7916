import { ApiError, post, type Me } from "../api";
import { field, h } from "../dom";

export function loginPage(done: (m: Me) => void): HTMLElement {
  const user = h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = h("p", { class: "error", role: "alert" });
  const btn = h("button", { class: "btn primary wide", type: "submit" }, "Sign in");
  const form = h("form", { class: "card login", "aria-labelledby": "login-title" },
    h("div", { class: "logo big" }, h("span", { class: "mark", "aria-hidden": "true" }), "Assent"),
    h("h1", { id: "login-title" }, "Sign in to your dashboard"),
    field("Username", user),
    field("Password", pass),
    err,
    btn,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    btn.disabled = true;
    err.textContent = "";
    try {
      done(await post<Me>("/session", { username: user.value.trim(), password: pass.value }));
    } catch (x) {
      err.textContent = x instanceof ApiError ? x.message : "Could not reach the server.";
      pass.select();
    } finally {
      btn.disabled = false;
    }
  });
  queueMicrotask(() => user.focus());
  return h("div", { class: "center" }, form, h("p", { class: "foot" }, "Self-hosted consent with signed receipts."));
}
