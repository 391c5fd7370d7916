// One Trusted Types policy, "assent", for pages that require Trusted Types
// (list the name if the page restricts policy names). It is made only when
// first needed, and adds no power: it passes the banner's own markup, in
// which every text is escaped, and the text of a blocked inline script the
// page itself holds.

let policy: any;

export const trusted = (function (kind: "createHTML" | "createScript", s: string): string {
  const tt = (window as any).trustedTypes;
  if (!tt || !tt.createPolicy) return s; // none, or a page element named so
  try {
    policy = policy || tt.createPolicy("assent", { createHTML: (x: string) => x, createScript: (x: string) => x });
  } catch {
    return s; // the page restricts policy names: a plain string may still do
  }
  return policy[kind](s);
});
