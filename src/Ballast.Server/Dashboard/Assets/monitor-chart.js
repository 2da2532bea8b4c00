// The monitor page's latency chart: p50 and p95 with the band between them, drawn by uPlot from the data-* attributes
// of [data-latency-chart] (the content security policy allows no inline script, so the series travel as attributes).
// Without this script the page still has the summary and the table.
"use strict";
(() => {
  const numbers = (text) => (text ? text.split(",").map((v) => (v === "" ? null : Number(v))) : []);
  const colour = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const ms = (u, v) => (v == null ? "–" : `${v} ms`);

  function draw(el) {
    const times = numbers(el.dataset.times);
    if (times.length === 0 || typeof uPlot === "undefined") return null;
    const data = [times, numbers(el.dataset.p50), numbers(el.dataset.p95)];
    const grid = { stroke: colour("--line"), width: 1 };
    const axis = { stroke: colour("--muted"), grid, ticks: grid };
    const options = {
      width: Math.max(el.clientWidth, 300),
      height: 260,
      // The whole range the page asked for, so a monitor with little history is not stretched across the chart.
      scales: { x: { time: true, range: () => [Number(el.dataset.from), Number(el.dataset.to)] }, y: { range: (u, min, max) => [0, Math.max(max * 1.1, 1)] } },
      series: [
        {},
        { label: "p50", stroke: colour("--p50"), width: 2, value: ms, spanGaps: false },
        { label: "p95", stroke: colour("--p95"), width: 2, value: ms, spanGaps: false },
      ],
      bands: [{ series: [2, 1], fill: colour("--band") }],
      axes: [axis, { ...axis, size: 64, values: (u, ticks) => ticks.map((t) => `${t} ms`) }],
    };
    el.replaceChildren();
    return new uPlot(options, data, el);
  }

  const charts = [...document.querySelectorAll("[data-latency-chart]")].map((el) => ({ el, plot: draw(el) }));
  if (charts.length === 0) return;
  // Colours come from the theme's CSS variables, so a theme switch redraws; a resize only resizes.
  const redraw = () => charts.forEach((c) => { c.plot?.destroy(); c.plot = draw(c.el); });
  new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redraw);
  new ResizeObserver(() => charts.forEach((c) => c.plot?.setSize({ width: Math.max(c.el.clientWidth, 300), height: 260 }))).observe(document.querySelector("main") ?? document.body);
})();
