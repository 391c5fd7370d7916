// renderConfig shows a banner config as a reader would check it: what the
// visitor was told, in every language, and which choices they were offered.
import { h } from "./dom";
import type { Config } from "./types";

export function renderConfig(cfg: Config): HTMLElement {
  const langs = Object.keys(cfg.texts).sort();
  const sw = (c: string, label: string) => {
    const dot = h("span", { class: "swatch", "aria-hidden": "true" });
    dot.style.background = c;
    return h("span", { class: "sw" }, dot, `${label} ${c}`);
  };
  return h("div", { class: "config-view" },
    h("dl", { class: "kv" },
      h("dt", null, "Version"), h("dd", null, h("code", { class: "break" }, cfg.version || "draft")),
      h("dt", null, "Consent lifetime"), h("dd", null, `${cfg.lifetime_days} days`),
      h("dt", null, "Languages"), h("dd", null, langs.map((l) => (l == cfg.default_lang ? l + " (default)" : l)).join(", ")),
      h("dt", null, "Look"), h("dd", null, `${cfg.look.layout}, ${cfg.look.position} `, sw(cfg.look.background, "bg"), sw(cfg.look.text, "text"), sw(cfg.look.accent, "accent")),
      cfg.privacy_policy_url && [h("dt", null, "Privacy policy"), h("dd", null, cfg.privacy_policy_url)],
    ),
    langs.map((l) => {
      const t = cfg.texts[l];
      return h("details", { class: "lang-block", open: l == cfg.default_lang },
        h("summary", null, `Texts · ${l}`),
        h("div", { class: "banner-mock" },
          h("strong", null, t.title), h("p", null, t.description),
          h("div", { class: "mock-buttons" }, [t.accept_all, t.reject_all, t.customize].map((b) => h("span", { class: "mock-btn" }, b))),
          h("ul", { class: "mock-purposes" }, cfg.purposes.map((p) =>
            h("li", null, h("strong", null, t.purposes[p.id]?.title || p.id), p.required ? " (always on)" : " (off until chosen)",
              h("br"), h("span", { class: "muted" }, t.purposes[p.id]?.description || ""),
              p.cookies?.length ? h("span", { class: "muted small" }, " · cookies: " + p.cookies.join(", ")) : null))),
        ));
    }),
  );
}
