import { ApiError, del, get, post, put } from "../api";
import type { Ctx } from "../app";
import { blame, copyButton, field, fmtTime, h, onSubmit, replace } from "../dom";
import type { Token, User } from "../types";

const roleSelect = (value = "auditor") => h("select", null, h("option", { value: "auditor", selected: value == "auditor" }, "Auditor"), h("option", { value: "owner", selected: value == "owner" }, "Owner"));
const msg = (x: unknown) => (x instanceof ApiError ? x.message : String(x));


export function teamPage(ctx: Ctx): void {
  const users = h("div", { class: "card", id: "users-card" });
  const tokens = h("div", { class: "card" });
  // A new token, shown once: kept here, not in the card, so that redrawing
  // the page (someone added meanwhile) does not lose it before it is copied.
  const fresh = h("div", { class: "fresh-token" });
  replace(ctx.main, h("div", { class: "page-head" }, h("h1", null, "Team"), h("p", { class: "muted" }, "Owners change sites and people; auditors read, search, export and verify.")), users, tokens);
  const load = async () => {
    try {
      const [us, ts] = await Promise.all([get<User[]>("/users"), get<Token[]>("/tokens")]);
      renderUsers(ctx, users, us, load);
      renderTokens(tokens, ts, load, fresh);
    } catch (x) {
      replace(users, h("p", { class: "error", role: "alert" }, "Could not load the team: ", msg(x)));
    }
  };
  load();
}

function renderUsers(ctx: Ctx, el: HTMLElement, us: User[], reload: () => Promise<void>): void {
  const err = h("p", { class: "error", role: "alert" });
  const name = h("input", { autocomplete: "off", spellcheck: "false" });
  const pw = h("input", { type: "password", autocomplete: "new-password", minlength: "12", maxlength: "72" });
  const role = roleSelect();
  const form = h("form", { class: "inline-form" }, field("Username", name), field("Password", pw, "12 to 72 characters."), field("Role", role), h("button", { class: "btn primary", type: "submit" }, "Add user"));
  onSubmit(form, async () => {
    try {
      const who = name.value.trim().toLowerCase(), as = role.value;
      await post("/users", { name: who, password: pw.value, role: as });
      await reload();
      // The card was drawn again: say what happened, and keep focus in it
      // (on the form, for adding someone else) rather than on the body.
      document.getElementById("users-note")!.textContent = `${who} added as ${as == "owner" ? "an owner" : "an auditor"}.`;
      document.querySelector<HTMLElement>("#users-card input")?.focus();
    } catch (x) {
      err.textContent = msg(x);
      blame(err, x instanceof ApiError ? x.message : "", [[/password/i, pw], [/user/i, name], [/role/i, role]]);
    }
  });
  replace(el, h("h2", null, "People"),
    h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "User"), h("th", { scope: "col" }, "Role"), h("th", { scope: "col", class: "wide-only" }, "Since"), h("th", { scope: "col" }, h("span", { class: "sr" }, "Actions")))),
      h("tbody", null, us.map((u) => {
        const r = roleSelect(u.role);
        r.setAttribute("aria-label", `Role of ${u.name}`);
        // A role is a privilege: an arrow key on the list must not change
        // it unasked, nor demote oneself (which signs one out) by accident.
        r.addEventListener("change", async () => {
          const self = u.name == ctx.me.name;
          if (!confirm(`Make ${self ? "yourself" : u.name} ${r.value == "owner" ? "an owner" : "an auditor"}?` +
            (self ? " You will be signed out, and can no longer change sites or people." : u.role == "owner" ? " They are signed out at once." : ""))) {
            r.value = u.role;
            return;
          }
          try {
            await put(`/users/${u.name}`, { role: r.value });
            await reload();
            document.querySelector<HTMLElement>(`select[aria-label="Role of ${CSS.escape(u.name)}"]`)?.focus();
          } catch (x) {
            err.textContent = msg(x);
            r.value = u.role;
          }
        });
        return h("tr", null, h("th", { scope: "row" }, u.name, u.name == ctx.me.name && h("span", { class: "muted" }, " (you)")), h("td", null, r), h("td", { class: "wide-only" }, fmtTime(u.created_at)),
          h("td", { class: "right" }, u.name != ctx.me.name && h("button", { type: "button", class: "btn ghost small danger", onclick: async () => {
            if (!confirm(`Remove ${u.name}? They are signed out at once.`)) return;
            try {
              await del(`/users/${u.name}`);
              reload();
            } catch (x) {
              err.textContent = msg(x);
            }
          } }, "Remove")));
      })))),
    err, h("p", { class: "ok-text", role: "status", id: "users-note" }), h("h3", null, "Add someone"), form);
}

function renderTokens(el: HTMLElement, ts: Token[], reload: () => Promise<void>, fresh: HTMLElement): void {
  const err = h("p", { class: "error", role: "alert" });
  const name = h("input", { placeholder: "e.g. nightly export" });
  const role = roleSelect();
  const form = h("form", { class: "inline-form" }, field("Name", name), field("Role", role), h("button", { class: "btn primary", type: "submit" }, "Create token"));
  onSubmit(form, async () => {
    try {
      const t = await post<Token>("/tokens", { name: name.value, role: role.value });
      await reload();
      replace(fresh, h("div", { class: "alert okay", role: "alert" }, h("strong", null, "Copy this token now: it is shown only once."),
        h("div", { class: "code-row" }, h("code", { class: "break", id: "new-token" }, t.token!), copyButton(() => t.token!)),
        h("button", { type: "button", class: "btn ghost small", onclick: () => replace(fresh) }, "Done, I have copied it")));
    } catch (x) {
      err.textContent = msg(x);
    }
  });
  replace(el, h("h2", null, "API tokens"), h("p", { class: "muted" }, "For automation: send ", h("code", null, "Authorization: Bearer <token>"), ". Only a hash is stored."),
    ts.length ? h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Role"), h("th", { scope: "col", class: "wide-only" }, "Created"), h("th", { scope: "col" }, h("span", { class: "sr" }, "Actions")))),
      h("tbody", null, ts.map((t) => h("tr", null, h("th", { scope: "row" }, t.name), h("td", null, t.role), h("td", { class: "wide-only" }, `${fmtTime(t.created_at)} by ${t.created_by}`),
        h("td", { class: "right" }, h("button", { type: "button", class: "btn ghost small danger", onclick: async () => {
          if (!confirm(`Revoke ${t.name}? Anything using it stops working at once.`)) return;
          try {
            await del(`/tokens/${t.id}`);
            reload();
          } catch (x) {
            err.textContent = msg(x); // not reloaded: that would draw a new, empty error line
          }
        } }, "Revoke"))))))) : h("p", { class: "muted" }, "No tokens yet."),
    fresh, err, h("h3", null, "New token"), form);
}
