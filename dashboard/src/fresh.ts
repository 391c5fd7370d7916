import { ApiError, get } from "./api";
import type { Ctx } from "./app";
import { h, replace } from "./dom";
import type { Site } from "./types";

/** freshSite draws a page of the site as it is now, not as listed at
 * sign-in: another owner, tab or API client may have saved or published
 * since. It draws nothing when another page was opened meanwhile. */
export async function freshSite(ctx: Ctx, draw: (ctx: Ctx) => void): Promise<void> {
  const site = ctx.site!;
  replace(ctx.main, h("p", { class: "muted", role: "status" }, "Loading…"));
  try {
    Object.assign(site, await get<Site>(`/sites/${site.id}`));
  } catch (x) {
    if (ctx.main.isConnected) replace(ctx.main, h("div", { class: "alert", role: "alert" }, "Could not load the site: ", x instanceof ApiError ? x.message : String(x)));
    return;
  }
  if (ctx.main.isConnected) draw(ctx);
}
