// The dashboard: a small single-page app under /dashboard/. The server sends
// the same shell for every path; this file routes in the browser.
import { ApiError, get, setCSRF, whenSignedOut, del, type Me } from "./api";
import { h, replace } from "./dom";
import type { Site } from "./types";
import { loginPage } from "./pages/login";
import { sitesPage } from "./pages/sites";
import { editorPage } from "./pages/editor";
import { versionsPage } from "./pages/versions";
import { insightsPage } from "./pages/insights";
import { logPage } from "./pages/log";
import { exportsPage } from "./pages/exports";
import { verifyPage } from "./pages/verify";
import { teamPage } from "./pages/team";

export interface Ctx {
  me: Me;
  sites: Site[];
  site?: Site;
  main: HTMLElement;
  params: URLSearchParams;
  go: (path: string) => void;
  // Draws the current page again, as fetched now, with no history entry.
  reload: () => void;
  refreshSites: () => Promise<Site[]>; // also the next pages' list
}

const root = document.getElementById("app")!;
let me: Me | null = null;
let sites: Site[] = [];
// Pages without a site in their path keep the one last viewed in this tab.
let lastSite = sessionStorage.getItem("assent.site") || "";

export const P = (p: string) => "/dashboard" + p;

function go(path: string): void {
  if (!mayLeave()) return;
  history.pushState(null, "", P(path));
  render();
}

// redirect shows path instead of the page asked for, in its history entry:
// Back must not land on a page that only sends the user on again.
function redirect(path: string): void {
  history.replaceState(null, "", P(path));
  render();
}

// A page with unsaved work registers a guard; leaving it (a link, the site
// picker, back) asks the guard first. Rendering any page clears it.
let guard: (() => boolean) | null = null;
let here = location.href;
export const guardLeaving = (g: () => boolean) => void (guard = g);
const mayLeave = () => !guard || guard();

// Links are real <a href>s (open in a new tab works); plain clicks route here.
document.addEventListener("click", (e) => {
  const a = (e.target as Element).closest && (e.target as Element).closest("a[data-route]");
  if (!a || e.defaultPrevented || e.button != 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  if (!mayLeave()) return;
  history.pushState(null, "", a.getAttribute("href")!);
  render();
});
window.addEventListener("popstate", () => {
  if (mayLeave()) return void render();
  history.pushState(null, "", here); // back where the unsaved work is
});
// A session that expires while the app is open sends the user to sign in
// again and back here afterwards; render() handles the first check itself.
whenSignedOut(() => {
  if (!me || !mayLeave()) return; // staying, to copy unsaved work: asked again at the next refusal
  me = null;
  guard = null;
  redirect("/login?next=" + encodeURIComponent(location.pathname + location.search));
});

async function refreshSites(): Promise<Site[]> {
  return (sites = await get<Site[]>("/sites"));
}

async function render(): Promise<void> {
  guard = null; // a new page: the one left had its chance (see go)
  here = location.href;
  const path = location.pathname.replace(/^\/dashboard/, "") || "/";
  const params = new URLSearchParams(location.search);
  if (path == "/login") {
    root.className = "";
    document.title = "Sign in · Assent";
    replace(root, loginPage(async (m) => {
      me = m;
      setCSRF(m.csrf);
      await refreshSites();
      const next = params.get("next");
      redirect(next && next.startsWith("/dashboard/") ? next.slice(10) : "/"); // Back skips the sign-in page
    }));
    return;
  }
  if (!me) {
    try {
      me = await get<Me>("/session");
      setCSRF(me.csrf);
      await refreshSites();
    } catch {
      redirect("/login" + (path == "/" ? "" : "?next=" + encodeURIComponent(location.pathname + location.search)));
      return;
    }
  }
  if (path == "/") return redirect(sites.length ? `/sites/${sites[0].id}` : "/sites");
  const m = /^\/sites\/([a-z0-9-]+)(?:\/(edit|versions))?$/.exec(path);
  // The site is the page's: in its path, or a page's ?site= (the consent
  // log of one site), else the one last viewed.
  const site = m ? sites.find((x) => x.id == m[1]) : sites.find((x) => x.id == params.get("site")) || sites.find((x) => x.id == lastSite);
  if (site) sessionStorage.setItem("assent.site", (lastSite = site.id));
  const main = h("main", { id: "main", tabindex: "-1" });
  const ctx: Ctx = { me, sites, site, main, params, go, reload: () => void render(), refreshSites };
  // Rendering replaces every element: focus would fall to the body. A
  // control that re-rendered the page (a range, the site picker) gets it
  // back in its new self; after following a link it goes to the new page.
  const was = document.activeElement as HTMLElement | null;
  const key = was && was != document.body && root.contains(was) && !was.closest("[data-route]") ? focusKey(was) : "";
  root.className = "";
  // The skip link moves focus itself: following #main would be a history
  // entry whose popstate renders the page again, losing what was typed.
  const skip = h("a", { class: "skip", href: "#main", onclick: (e: Event) => (e.preventDefault(), main.focus()) }, "Skip to content");
  replace(root, skip, header(ctx, path), main);
  const page = route(path, m, ctx);
  // The site's name only on its own pages, not on Verify or Team.
  document.title = (site && (m || params.get("site")) ? site.name + " · " : "") + page + " · Assent";
  if (!rendered) return void (rendered = true); // a page load: the browser's own start
  const again = key && [...root.querySelectorAll<HTMLElement>("a,button,input,select,textarea")].find((e) => focusKey(e) == key);
  again ? again.focus({ preventScroll: true }) : main.focus();
}

let rendered = false;

// focusKey names a control by what it says, the same in a new rendering.
const focusKey = (e: HTMLElement) => e.tagName + "|" + (e.getAttribute("aria-label") || e.getAttribute("name") || e.textContent || "").trim();

function route(path: string, m: RegExpExecArray | null, ctx: Ctx): string {
  if (path == "/sites") return sitesPage(ctx), "Sites";
  if (m && !ctx.site) return replace(ctx.main, notFound("No such site.")), "Not found";
  if (m && m[2] == "edit") return editorPage(ctx), "Configure";
  if (m && m[2] == "versions") return versionsPage(ctx), "Versions";
  if (m) return insightsPage(ctx), "Insights";
  if (path == "/log") return logPage(ctx), "Consent log";
  if (path == "/exports") return exportsPage(ctx), "Exports";
  if (path == "/verify") return verifyPage(ctx), "Verify";
  if (path == "/team" && ctx.me.role == "owner") return teamPage(ctx), "Team";
  replace(ctx.main, notFound("This page does not exist."));
  return "Not found";
}

function notFound(msg: string): HTMLElement {
  return h("div", { class: "empty" }, h("h1", null, "Not found"), h("p", null, msg), h("a", { href: P("/sites"), "data-route": "" }, "All sites"));
}

function header(ctx: Ctx, path: string): HTMLElement {
  const link = (href: string, label: string) => {
    const cur = path == href; // a site's Insights is not current on its Configure page too
    return h("a", { href: P(href), "data-route": "", "aria-current": cur ? "page" : false }, label);
  };
  const picker = h("select", { class: "site-picker", "aria-label": "Site" },
    ctx.sites.map((x) => h("option", { value: x.id, selected: ctx.site?.id == x.id }, x.name)),
    !ctx.site && h("option", { value: "", selected: true, disabled: true }, "Choose a site"),
  ) as HTMLSelectElement;
  picker.addEventListener("change", () => {
    ctx.go(`/sites/${picker.value}${path.endsWith("/edit") ? "/edit" : path.endsWith("/versions") ? "/versions" : ""}`);
    if (picker.isConnected) picker.value = ctx.site?.id || ""; // stayed: unsaved work
  });
  const s = ctx.site;
  const out = h("p", { class: "out-error", role: "alert" });
  return h("header", { class: "top" },
    h("div", { class: "bar" },
      h("a", { class: "logo", href: P("/sites"), "data-route": "" }, h("span", { class: "mark", "aria-hidden": "true" }), "Assent"),
      ctx.sites.length > 0 && picker,
      h("span", { class: "grow" }),
      h("span", { class: "who" }, h("span", { class: "role " + ctx.me.role }, ctx.me.role), " ", ctx.me.name),
      h("button", { class: "btn ghost small", type: "button", onclick: async () => {
        if (!mayLeave()) return;
        try {
          await del("/session");
        } catch (x) {
          // Still signed in on the server (a 401 means already signed out):
          // showing the sign-in page would suggest otherwise on a shared computer.
          if (!(x instanceof ApiError && x.status == 401)) {
            out.textContent = "Not signed out: " + (x instanceof ApiError && x.status ? x.message : "the server could not be reached") + ". Try again.";
            return;
          }
        }
        guard = null;
        me = null;
        go("/login");
      } }, "Sign out"),
    ),
    out, // under the bar: there is no room in it on a phone
    h("nav", { class: "tabs", "aria-label": "Main" },
      s && link(`/sites/${s.id}`, "Insights"),
      s && link(`/sites/${s.id}/edit`, ctx.me.role == "owner" ? "Configure" : "Configuration"),
      s && link(`/sites/${s.id}/versions`, "Versions"),
      s && h("span", { class: "sep", "aria-hidden": "true" }),
      link("/sites", "Sites"),
      link("/log", "Consent log"),
      link("/exports", "Exports"),
      link("/verify", "Verify"),
      ctx.me.role == "owner" && link("/team", "Team"),
    ),
  );
}

render();
