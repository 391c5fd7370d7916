// Google Consent Mode v2. Google tags read consent commands from dataLayer,
// and gtag.js only accepts entries that are Arguments objects, hence a plain
// function pushing `arguments` rather than an array.

const MAP: Record<string, string[]> = {
  analytics: ["analytics_storage"],
  advertising: ["ad_storage", "ad_user_data", "ad_personalization"],
  preferences: ["functionality_storage", "personalization_storage"],
};

// eslint-disable-next-line @typescript-eslint/no-unused-vars
const gtag = (function (_command: string, _kind: string, _params: unknown) {
  const w = window as any;
  // A page element with id "dataLayer" shows through window.dataLayer
  // while no script has set one; it has no push.
  (w.dataLayer && w.dataLayer.push ? w.dataLayer : (w.dataLayer = [])).push(arguments);
});

// Without granted, every signal is denied.
const signals = (function (granted?: (purpose: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p in MAP) for (const s of MAP[p]) out[s] = granted && granted(p) ? "granted" : "denied";
  return out;
});

/** Pushes the default (everything denied but security) before any tag runs;
 * wait_for_update gives a returning visitor's update time to follow. */
export const consentDefault = (function (): void {
  gtag("consent", "default", { ...signals(), security_storage: "granted", wait_for_update: 500 });
  gtag("set", "ads_data_redaction", true);
});

/** Pushes an update: on a decision and on every load of a returning visitor. */
export function consentUpdate(granted: (purpose: string) => boolean): void {
  gtag("consent", "update", signals(granted));
}
