// Placeholder kept minimal until the banner issue: reads the inlined config
// and exposes window.assent.
interface Boot { config: { site: string; version: string } }
const w = window as any;
const boot: Boot | undefined = w.__assentBoot;
delete w.__assentBoot;
if (boot) {
  w.assent = { config: () => boot.config, granted: (p: string) => p === "necessary" };
}
