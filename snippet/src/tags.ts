// Blocked tags: <script type="text/plain" data-assent="…"> (inline or src),
// and <iframe>/<img> with data-assent and data-src. They load once every
// purpose they name (space separated) is granted.

const BLOCKED = 'script[type="text/plain"][data-assent],[data-assent][data-src]';

/** Loads every blocked element whose purposes are all granted. */
export function activate(granted: (purpose: string) => boolean): void {
  document.querySelectorAll<HTMLElement>(BLOCKED).forEach((el) => {
    if (!el.dataset.assent!.split(/\s+/).filter(Boolean).every(granted)) return;
    if (el instanceof HTMLScriptElement) {
      // A script whose type changes does not run: only a new element does.
      const s = document.createElement("script");
      for (const a of Array.from(el.attributes)) if (a.name != "type") s.setAttribute(a.name, a.value);
      s.nonce = el.nonce; // browsers hide the nonce attribute once parsed
      s.async = false; // run blocked scripts in document order
      s.text = el.text;
      el.replaceWith(s);
    } else {
      el.setAttribute("src", el.dataset.src!);
      el.removeAttribute("data-src");
    }
  });
}

/** Calls fn after nodes are added anywhere, so tags added later (by a tag
 * manager or a single-page app) are held back or released like the rest. */
export function watch(fn: () => void): void {
  new MutationObserver((ms) => ms.some((m) => m.addedNodes.length) && fn()).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
}

/** Deletes first-party cookies named in the list, or prefixed by a name and
 * "_" (Google Analytics 4 sets _ga_<id>), on this host and every parent
 * domain, since trackers usually set them on the registrable domain. */
export function dropCookies(names: string[]): void {
  const host = location.hostname.split(".");
  for (const c of document.cookie.split("; ")) {
    const n = c.split("=")[0];
    if (!names.some((x) => n == x || n.startsWith(x + "_"))) continue;
    document.cookie = n + "=;path=/;max-age=0";
    for (let i = 0; i < host.length - 1; i++) document.cookie = n + "=;path=/;max-age=0;domain=." + host.slice(i).join(".");
  }
}
