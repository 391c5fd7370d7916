import { ApiError, post, put } from "../api";
import type { Ctx } from "../app";
import { freshSite } from "../fresh";
import { guardLeaving } from "../app";
import { copyButton, field, fmtTime, h, replace } from "../dom";
import { previewFrame } from "../frame";
import type { Config, Site, Texts } from "../types";
import { lines } from "./sites";

const textFields: [keyof Texts, string, boolean][] = [
  ["title", "Title", false], ["description", "Description", true], ["accept_all", "Accept all button", false],
  ["reject_all", "Reject all button", false], ["customize", "Customize button", false], ["save", "Save choices button", false],
  ["close", "Close label", false], ["privacy_policy", "Privacy policy link", false], ["gpc_notice", "Global Privacy Control notice", true],
];

const daysOf = (months: number) => Math.floor((months * 365) / 12);
const monthsOf = (days: number) => Math.round((days * 12) / 365);

// The editor starts from the site as saved now, not as listed at sign-in:
// someone may have saved it since, and their save would otherwise only
// show as a refused save (edit_conflict) after editing.
export const editorPage = (ctx: Ctx) => freshSite(ctx, editor);

function editor(ctx: Ctx): void {
  const site = ctx.site!;
  const owner = ctx.me.role == "owner";
  const d: Config = JSON.parse(JSON.stringify(site.draft));
  const meta = { name: site.name, origins: (site.origins || []).join("\n") };
  let lang = d.default_lang;
  const preview = previewFrame();
  const status = h("div", { class: "status", role: "status", "aria-live": "polite" });
  const texts = h("div", { class: "texts" });
  // An auditor can change nothing, but reads everything: text fields are
  // read-only (still focusable and scrollable, so a long text can be read
  // from the keyboard), the other controls disabled; the language tabs,
  // which change nothing, stay usable.
  const readOnly = (...kids: any[]) => {
    const f = h("fieldset", null, ...kids);
    if (!owner)
      for (const c of f.querySelectorAll<HTMLInputElement>("input,textarea,select,button"))
        if (c.matches("textarea,input:not([type]),input[type=url],input[type=number]")) c.readOnly = true;
        else c.disabled = true;
    return f;
  };
  const purposes = h("div", { class: "purposes" });
  let timer = 0;
  // Edits not saved yet: leaving the page asks first.
  let dirty = false;
  guardLeaving(() => !dirty || confirm("Leave without saving? Your changes to this draft are not saved."));
  const unload = (e: BeforeUnloadEvent) => {
    if (!dirty || !form.isConnected) return removeEventListener("beforeunload", unload);
    e.preventDefault();
    e.returnValue = "";
  };
  addEventListener("beforeunload", unload);

  const refresh = () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => preview.show(d, lang), 250);
  };
  let edits = 0; // changes made: a save clears dirty only if none came while it ran
  const changed = () => ((dirty = true), edits++, refresh());
  const bind = <T extends Record<string, any>>(obj: T, key: keyof T, el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, conv: (v: string) => any = (v) => v) => {
    el.value = obj[key] ?? "";
    el.addEventListener("input", () => {
      (obj as any)[key] = conv(el.value);
      changed();
    });
    return el;
  };

  function renderPurposes(): void {
    replace(purposes, d.purposes.map((p, i) => {
      const locked = p.id == "necessary";
      const cookies = h("input", { placeholder: locked ? "none" : "e.g. _ga, _gid", value: (p.cookies || []).join(", ") });
      cookies.addEventListener("input", () => {
        p.cookies = lines(cookies.value);
        changed();
      });
      return h("div", { class: "purpose" },
        h("div", { class: "purpose-head" },
          h("code", null, p.id),
          // Only necessary is always on: every other purpose needs the
          // visitor's opt-in, which the server enforces.
          locked && h("label", { class: "check" }, h("input", { type: "checkbox", checked: true, disabled: true }), "Always on"),
          !locked && h("button", { type: "button", class: "btn ghost small danger", "aria-label": `Remove purpose ${p.id}`, onclick: () => {
            if (!confirm(`Remove the purpose ${p.id}, with its texts in every language?`)) return;
            d.purposes.splice(i, 1);
            for (const t of Object.values(d.texts)) delete t.purposes[p.id];
            renderPurposes();
            renderTexts();
            changed();
            purposes.querySelector<HTMLElement>("[aria-label='New purpose id']")?.focus(); // not the body
          } }, "Remove"),
        ),
        field(`Cookies ${p.id} sets`, cookies, "Cleared from the visitor's browser when this purpose is refused or withdrawn."),
      );
    }),
    addPurpose());
  }

  function addPurpose(): HTMLElement {
    const inp = h("input", { placeholder: "e.g. personalization", pattern: "[a-z][a-z0-9_-]{0,31}", "aria-label": "New purpose id", "aria-describedby": "purpose-err" });
    const err = h("span", { class: "error small", id: "purpose-err", role: "alert" });
    const add = () => {
      const v = inp.value.trim().toLowerCase();
      const why = !/^[a-z][a-z0-9_-]{0,31}$/.test(v) ? "A purpose id is a lowercase letter, then letters, digits, - or _." : d.purposes.some((p) => p.id == v) ? `${v} is already a purpose.` : "";
      if (why) return (err.textContent = why), inp.focus();
      d.purposes.push({ id: v });
      for (const t of Object.values(d.texts)) t.purposes[v] = { title: "", description: "" };
      renderPurposes();
      renderTexts();
      changed();
      [...purposes.querySelectorAll<HTMLElement>(".purpose input")].pop()?.focus(); // the new purpose's cookies
    };
    inp.addEventListener("keydown", (e) => e.key == "Enter" && (e.preventDefault(), add()));
    return h("div", { class: "inline" }, inp, h("button", { type: "button", class: "btn small", onclick: add }, "Add purpose"), err);
  }

  // renderTexts draws the language tabs and the texts of lang; with
  // focusTab, focus goes to lang's tab (a control that redrew them).
  function renderTexts(focusTab = false): void {
    const t = d.texts[lang];
    const base = d.texts[d.default_lang];
    const tabs = h("div", { class: "lang-tabs", role: "tablist", "aria-label": "Languages" },
      Object.keys(d.texts).sort().map((l) => h("button", { type: "button", role: "tab", id: `tab-${l}`, "aria-selected": String(l == lang), "aria-controls": "lang-panel",
        tabindex: l == lang ? "0" : "-1", class: "tab", onclick: () => {
          lang = l;
          renderTexts(true);
          refresh(); // the preview in that language; nothing changed
        } }, l, l == d.default_lang && h("span", { "aria-hidden": "true" }, " ★"), l == d.default_lang && h("span", { class: "sr" }, " (default)"))),
    );
    // Arrow keys move between the tabs, as in any tab list; Tab leaves it.
    tabs.addEventListener("keydown", (e) => {
      const all = [...tabs.querySelectorAll<HTMLButtonElement>("[role=tab]")];
      const i = all.indexOf(e.target as HTMLButtonElement);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[e.key];
      if (i < 0 || to === undefined) return;
      e.preventDefault();
      all[(to + all.length) % all.length].click();
    });
    const newLang = h("input", { placeholder: "de", "aria-label": "New language code", size: "6", "aria-describedby": "lang-err" });
    const langErr = h("span", { class: "error small", id: "lang-err", role: "alert" });
    const addLang = () => {
      const l = newLang.value.trim();
      const why = !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(l) ? "A language code is like de, fr or pt-BR." : d.texts[l] ? `${l} is already there.` : "";
      if (why) return (langErr.textContent = why), newLang.focus();
      const empty: any = { purposes: {} };
      for (const [k] of textFields) empty[k] = "";
      for (const p of d.purposes) empty.purposes[p.id] = { title: "", description: "" };
      d.texts[l] = empty;
      lang = l;
      renderTexts(true);
      changed();
    };
    newLang.addEventListener("keydown", (e) => e.key == "Enter" && (e.preventDefault(), addLang()));
    const def = h("input", { type: "checkbox", checked: lang == d.default_lang, disabled: lang == d.default_lang });
    def.addEventListener("change", () => {
      d.default_lang = lang;
      renderTexts(true);
      changed();
    });
    const ctl = (multi: boolean, ph?: string) => (multi ? h("textarea", { rows: "3", placeholder: ph }) : h("input", { placeholder: ph }));
    const panel = readOnly(
      h("div", { class: "inline" }, newLang, h("button", { type: "button", class: "btn small", onclick: addLang }, "Add language"), langErr,
        h("label", { class: "check default-lang" }, def, "Default language"),
        lang != d.default_lang && h("button", { type: "button", class: "btn ghost small danger", onclick: () => {
          if (!confirm(`Remove the ${lang} texts?`)) return;
          delete d.texts[lang];
          lang = d.default_lang;
          renderTexts(true);
          changed();
        } }, `Remove ${lang}`)),
      h("div", { class: "grid2" }, textFields.map(([k, label, multi]) =>
        field(label, bind(t as any, k, ctl(multi, lang == d.default_lang ? undefined : String(base[k] || "")))))),
      h("h3", null, "Purposes"),
      d.purposes.map((p) => {
        const pt = (t.purposes[p.id] ||= { title: "", description: "" });
        const bt = base.purposes[p.id] || { title: "", description: "" };
        return h("div", { class: "grid2 purpose-text" },
          field(`${p.id} · title`, bind(pt, "title", ctl(false, lang == d.default_lang ? undefined : bt.title))),
          field(`${p.id} · description`, bind(pt, "description", ctl(true, lang == d.default_lang ? undefined : bt.description))));
      }),
    );
    panel.id = "lang-panel";
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", `tab-${lang}`);
    replace(texts, tabs, panel);
    if (focusTab) tabs.querySelector<HTMLElement>("[aria-selected=true]")!.focus();
  }

  const name = bind(meta, "name", h("input", { required: true }));
  const origins = bind(meta, "origins", h("textarea", { rows: "3", placeholder: "https://shop.example" }));
  const policy = bind(d, "privacy_policy_url", h("input", { type: "url", placeholder: "https://shop.example/privacy" }));
  const months = h("input", { type: "number", min: "1", max: "13", step: "1", value: String(monthsOf(d.lifetime_days)) });
  months.addEventListener("input", () => {
    const m = parseInt(months.value, 10);
    if (m > 0) d.lifetime_days = daysOf(m);
    changed();
  });
  const layout = bind(d.look, "layout", h("select", null, h("option", { value: "box" }, "Box"), h("option", { value: "bar" }, "Bar")));
  const position = bind(d.look, "position", h("select", null, ["bottom-right", "bottom-left", "bottom", "top"].map((p) => h("option", { value: p }, p))));
  const colour = (k: "background" | "text" | "accent") => bind(d.look, k, h("input", { type: "color" }));

  async function save(): Promise<Site> {
    // The revision this page was opened on: a save by someone else since
    // is refused (edit_conflict), not silently undone.
    const at = edits;
    const s = await put<Site>(`/sites/${site.id}`, { name: meta.name, origins: lines(meta.origins), retention_months: site.retention_months, draft: d, revision: site.revision });
    Object.assign(site, s);
    dirty = edits != at; // what was typed meanwhile is not in this save
    return s;
  }
  // what: "saved" or "published", for the refusal's heading.
  let busy = false;
  // Save and Publish each wait for the other: a publish sent while a save
  // runs would name the revision before it, and be refused as a conflict.
  const act = (label: string, what: string, fn: () => Promise<string>) => async () => {
    const bs = [...ctx.main.querySelectorAll<HTMLButtonElement>("#save, #publish")];
    if (busy) return;
    busy = true;
    for (const b of bs) b.disabled = true;
    replace(status, h("span", { class: "muted" }, label + "…"));
    try {
      replace(status, h("span", { class: "ok-text" }, await fn()));
      await ctx.refreshSites();
      renderHead();
      // A new name shows at once in the header's picker and the title.
      const opt = document.querySelector<HTMLOptionElement>(`.site-picker option[value="${site.id}"]`);
      if (opt) opt.textContent = site.name;
      document.title = `${site.name} · Configure · Assent`;
    } catch (x) {
      const msg = x instanceof ApiError ? x.message : String(x);
      const dark = x instanceof ApiError && x.code == "dark_pattern";
      const stale = x instanceof ApiError && x.code == "edit_conflict";
      replace(status, h("div", { class: "alert", role: "alert" },
        h("strong", null, `Not ${what}` + ((x as any)?.saved ? " (the draft is saved)" : "") + (dark ? ": it would be unfair to visitors" : "")),
        h("ul", null, msg.split("\n").map((m) => h("li", null, m))),
        stale && h("button", { type: "button", class: "btn small", onclick: () => {
          if (!confirm("Discard your changes and load the saved version?")) return;
          dirty = false;
          ctx.reload(); // the editor loads the site as saved now; Back still leaves it
        } }, "Discard mine, load the saved version")));
    } finally {
      busy = false;
      for (const b of bs) b.disabled = false;
    }
  };
  const head = h("div", { class: "card embed" });
  function renderHead(): void {
    // Its latest publication: a rollback went live again then.
    const cur = [...(site.versions || [])].reverse().find((v) => v.id == site.current);
    replace(head,
      h("div", { class: "embed-row" },
        h("div", null, h("h2", null, "Embed"), h("p", { class: "muted" }, "Paste this into every page, before any tag that sets cookies.")),
        cur ? h("span", { class: "badge ok" }, `Live · ${site.current!.slice(7, 19)} · ${fmtTime(cur.published_at)}`) : h("span", { class: "badge warn" }, "Not published yet")),
      h("div", { class: "code-row" }, h("code", { class: "embed-tag", tabindex: "0" }, site.embed), copyButton(() => site.embed)),
    );
  }
  renderHead();
  renderPurposes();
  renderTexts();

  const form = h("form", { class: "editor-form", "aria-label": "Site configuration" },
    h("section", { class: "card" }, h("h2", null, "General"),
      readOnly(h("div", { class: "grid2" },
        field("Site name", name),
        field("Privacy policy URL", policy),
        field("Allowed origins", origins, "One per line. Decisions from other origins are refused."),
        field("Consent lifetime (months)", months, "How long a decision stands before the banner asks again. Default 6, at most 13.")))),
    h("section", { class: "card" }, h("h2", null, "Purposes"), h("p", { class: "muted" }, "Everything but necessary starts off and needs the visitor's opt-in."), readOnly(purposes)),
    h("section", { class: "card" }, h("h2", null, "Texts"), texts),
    h("section", { class: "card" }, h("h2", null, "Look"),
      readOnly(h("div", { class: "grid3" },
        field("Layout", layout), field("Position", position),
        field("Background", colour("background")), field("Text", colour("text")), field("Accent", colour("accent"))))),
  );
  form.addEventListener("input", () => busy || status.replaceChildren()); // "Saving…" stays while it is
  form.addEventListener("submit", (e) => e.preventDefault());

  replace(ctx.main,
    h("div", { class: "page-head" }, h("h1", null, owner ? "Configure" : "Configuration"),
      !owner && h("p", { class: "muted", id: "readonly-note" }, "You are an auditor: you can see this configuration but not change it.")),
    head,
    h("div", { class: "editor" },
      form,
      h("aside", { class: "side" },
        h("div", { class: "card sticky" },
          h("div", { class: "preview-head" }, h("h2", null, "Live preview"), h("span", { class: "muted small" }, "The real banner with your draft")),
          preview.el,
          owner && h("div", { class: "actions" },
            h("button", { type: "button", class: "btn", id: "save", onclick: act("Saving", "saved", async () => (await save(), "Draft saved. Visitors still see the live version.")) }, "Save draft"),
            h("button", { type: "button", class: "btn primary", id: "publish", onclick: act("Publishing", "published", async () => {
              await save();
              const s = await post<Site>(`/sites/${site.id}/publish`, { revision: site.revision }).catch((x) => {
                throw Object.assign(x, { saved: true }); // only publishing was refused
              });
              Object.assign(site, s);
              return `Published ${s.current!.slice(7, 19)}. Visitors get it within five minutes.`;
            }) }, "Publish")),
          status,
        ),
      ),
    ),
  );
  preview.show(d, lang);
}
