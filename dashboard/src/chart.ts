// Hand-drawn SVG charts sized to their container in CSS pixels, so text stays
// crisp at 360 px and 1280 px alike. Every chart has a text alternative;
// the table under it holds the same numbers.
import { h, s } from "./dom";

export interface Series {
  key: string;
  label: string;
  color: string;
  values: number[];
}

const PAD = { l: 44, r: 12, t: 12, b: 26 };

// niceMax rounds a count up to four equal whole steps of 1, 2 or 5 × 10^k,
// so gridlines fall on whole numbers.
function niceMax(v: number): number {
  const raw = Math.max(1, v / 4);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return 4 * m * p;
  return 40 * p;
}

function frame(width: number, height: number, labels: string[], max: number, fmt: (v: number) => string): { svg: SVGElement; x: (i: number) => number; y: (v: number) => number; bw: number } {
  const iw = width - PAD.l - PAD.r, ih = height - PAD.t - PAD.b;
  const bw = iw / Math.max(1, labels.length);
  const x = (i: number) => PAD.l + i * bw;
  const y = (v: number) => PAD.t + ih - (v / max) * ih;
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart" });
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    svg.append(s("line", { x1: PAD.l, x2: width - PAD.r, y1: y(v), y2: y(v), class: k ? "grid" : "axis" }),
      s("text", { x: PAD.l - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, fmt(v)));
  }
  const every = Math.ceil(labels.length / Math.max(2, Math.floor(iw / 64)));
  labels.forEach((l, i) => {
    if (i % every == 0) svg.append(s("text", { x: x(i) + bw / 2, y: height - 8, "text-anchor": "middle", class: "tick" }, l));
  });
  return { svg, x, y, bw };
}

/** stacked draws one bar per label, stacking series bottom to top. */
export function stacked(width: number, labels: string[], series: Series[], title: string): SVGElement {
  const totals = labels.map((_, i) => series.reduce((a, sr) => a + sr.values[i], 0));
  const max = niceMax(Math.max(0, ...totals));
  const f = frame(width, 220, labels, max, (v) => (v >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v))));
  f.svg.setAttribute("role", "img");
  f.svg.setAttribute("aria-label", title);
  const gap = Math.min(6, f.bw * 0.25);
  labels.forEach((l, i) => {
    let acc = 0;
    const g = s("g", { class: "bar" }, s("title", null, `${l}: ${totals[i]} decisions\n` + series.map((sr) => `${sr.label}: ${sr.values[i]}`).join("\n")));
    for (const sr of series) {
      const v = sr.values[i];
      if (!v) continue;
      g.append(s("rect", { x: f.x(i) + gap / 2, width: Math.max(1, f.bw - gap), y: f.y(acc + v), height: Math.max(0.5, f.y(acc) - f.y(acc + v)), fill: sr.color, stroke: "#fff", "stroke-width": 1, rx: 1.5 }));
      acc += v;
    }
    f.svg.append(g);
  });
  return f.svg;
}

/** Line styles by series: solid, dashed, dotted, dash-dot. Lines are told
 * apart without their colour, and where rates are equal (every purpose at
 * 100 % after one "accept all") the lines under the top one show through
 * its gaps instead of vanishing. */
export const DASHES = ["", "8 5", "2 4", "10 4 2 4"];

export interface LineSeries {
  label: string;
  color: string;
  dash: string;
  values: (number | null)[];
}

/** lines draws one line per series of percentages (0–100); null = no data. */
export function lines(width: number, labels: string[], series: LineSeries[], title: string): SVGElement {
  const f = frame(width, 200, labels, 100, (v) => `${v}%`);
  f.svg.setAttribute("role", "img");
  f.svg.setAttribute("aria-label", title);
  series.forEach((sr, k) => {
    let d = "";
    sr.values.forEach((v, i) => {
      if (v === null) return;
      d += `${d && sr.values[i - 1] !== null ? "L" : "M"}${(f.x(i) + f.bw / 2).toFixed(1)},${f.y(v).toFixed(1)}`;
    });
    f.svg.append(s("path", { d, fill: "none", stroke: sr.color, "stroke-width": 2, "stroke-dasharray": sr.dash || "none", "stroke-linejoin": "round", "stroke-linecap": "butt" }, s("title", null, sr.label)));
    // Each later series' points are smaller, so equal points nest as rings.
    // Over long ranges only a day with no data on either side gets one: it
    // has no line to show it.
    const r = Math.max(1.5, 5 - 1.2 * k);
    sr.values.forEach((v, i) => v !== null && (labels.length <= 45 || (sr.values[i - 1] == null && sr.values[i + 1] == null)) &&
      f.svg.append(s("circle", { cx: f.x(i) + f.bw / 2, cy: f.y(v), r, fill: sr.color, class: "pt" })));
  });
  return f.svg;
}

/** legend names each series by its colour, and for lines by its style too. */
export function legend(items: { label: string; color: string; dash?: string }[]): HTMLElement {
  return h("ul", { class: "legend" }, items.map((it) => {
    if (it.dash === undefined) {
      const dot = h("span", { class: "dot", "aria-hidden": "true" });
      dot.style.background = it.color;
      return h("li", null, dot, it.label);
    }
    const swatch = s("svg", { width: 26, height: 10, class: "line-key", "aria-hidden": "true" },
      s("line", { x1: 1, x2: 25, y1: 5, y2: 5, stroke: it.color, "stroke-width": 2, "stroke-dasharray": it.dash || "none" }));
    return h("li", null, swatch, it.label);
  }));
}
