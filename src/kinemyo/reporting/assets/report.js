// kinemyo report: sortable tables and zoomable curve plots. Self-contained, no libraries.
"use strict";

// ---- tables: a click (or Enter) on a header sorts by that column; numbers as numbers.
function cellKey(text) {
  const match = text.trim().replace(/\u2212/g, "-").match(/^[-+]?(\d[\d,]*)?\.?\d*(e[-+]?\d+)?/i);
  const number = match && match[0] ? parseFloat(match[0].replace(/,/g, "")) : NaN;
  return Number.isFinite(number) ? { number: number, text: text } : { number: null, text: text };
}

function compareKeys(a, b) {
  if (a.number !== null && b.number !== null) return a.number - b.number;
  if (a.number !== null) return -1;
  if (b.number !== null) return 1;
  return a.text.localeCompare(b.text, undefined, { numeric: true });
}

function sortTable(table, column, header) {
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  const body = table.tBodies[0];
  const rows = Array.from(body.rows).map((row, index) => ({
    row: row, index: index, key: cellKey(row.cells[column] ? row.cells[column].textContent : ""),
  }));
  rows.sort((a, b) => (ascending ? 1 : -1) * compareKeys(a.key, b.key) || a.index - b.index);
  rows.forEach((item) => body.appendChild(item.row));
  table.querySelectorAll("th").forEach((th) => th.removeAttribute("aria-sort"));
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
}

document.querySelectorAll("table.sortable").forEach((table) => {
  table.querySelectorAll("thead th").forEach((header, column) => {
    header.addEventListener("click", () => sortTable(table, column, header));
    header.addEventListener("keydown", (event) => {
      if (event.key === "Enter") sortTable(table, column, header);
    });
  });
});

// ---- curves: an SVG line plot; drag to zoom in time, wheel to zoom, double-click to reset.
const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#1d232a", "#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00"];
const W = 900, H = 300, LEFT = 64, RIGHT = 16, TOP = 30, BOTTOM = 36;

function element(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
  if (parent) parent.appendChild(node);
  return node;
}

function niceTicks(low, high) {
  const span = high - low || 1;
  const raw = Math.pow(10, Math.floor(Math.log10(span / 5)));
  const step = [1, 2, 5, 10].map((m) => m * raw).find((s) => span / s <= 6);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) {
    ticks.push({ value: v, label: v.toFixed(decimals) });
  }
  return ticks;
}

function makePlot(figure) {
  const data = JSON.parse(figure.querySelector("script.curve-data").textContent);
  const holder = figure.querySelector(".plot");
  const time = data.time;
  const names = Object.keys(data.series);
  const finiteTimes = time.filter((t) => t !== null);
  const full = [Math.min(...finiteTimes), Math.max(...finiteTimes)];
  const svg = element("svg", { viewBox: `0 0 ${W} ${H}`, role: "presentation" }, holder);
  const reset = document.createElement("button");
  reset.type = "button";
  reset.textContent = "Reset zoom";
  holder.appendChild(reset);
  let range = full.slice();
  let dragStart = null;
  let selection = null;

  const toX = (t) => LEFT + ((t - range[0]) / (range[1] - range[0] || 1)) * (W - LEFT - RIGHT);
  const fromX = (x) => range[0] + ((x - LEFT) / (W - LEFT - RIGHT)) * (range[1] - range[0]);
  const svgX = (event) => {
    const box = svg.getBoundingClientRect();
    return ((event.clientX - box.left) * W) / box.width;
  };

  function draw() {
    svg.replaceChildren();
    svg.setAttribute("data-x0", range[0].toPrecision(6));
    svg.setAttribute("data-x1", range[1].toPrecision(6));
    const visible = time.map((t) => t !== null && t >= range[0] && t <= range[1]);
    const shown = names.flatMap((n) => data.series[n].filter((v, i) => visible[i] && v !== null));
    let low = shown.length ? Math.min(...shown) : 0, high = shown.length ? Math.max(...shown) : 1;
    const pad = (high - low || 1) * 0.05;
    low -= pad;
    high += pad;
    const toY = (v) => TOP + ((high - v) / (high - low)) * (H - TOP - BOTTOM);
    const grid = element("g", { class: "grid" }, svg);
    const axes = element("g", { class: "axis" }, svg);
    niceTicks(range[0], range[1]).forEach((tick) => {
      const x = toX(tick.value);
      element("line", { x1: x, x2: x, y1: TOP, y2: H - BOTTOM }, grid);
      element("text", { x: x, y: H - BOTTOM + 16, "text-anchor": "middle", class: "x-tick" },
        axes).textContent = tick.label;
    });
    niceTicks(low, high).forEach((tick) => {
      const y = toY(tick.value);
      element("line", { x1: LEFT, x2: W - RIGHT, y1: y, y2: y }, grid);
      element("text", { x: LEFT - 6, y: y + 4, "text-anchor": "end" }, axes).textContent =
        tick.label;
    });
    element("path", { d: `M${LEFT},${TOP}V${H - BOTTOM}H${W - RIGHT}`, fill: "none" }, axes);
    element("text", { x: (LEFT + W - RIGHT) / 2, y: H - 4, "text-anchor": "middle" },
      axes).textContent = "time (s)";
    element("text", { x: 14, y: (TOP + H - BOTTOM) / 2, "text-anchor": "middle",
      transform: `rotate(-90 14 ${(TOP + H - BOTTOM) / 2})` }, axes).textContent = data.unit;
    const clip = `clip-${Math.random().toString(36).slice(2)}`;
    const defs = element("defs", {}, svg);
    element("rect", { x: LEFT, y: TOP, width: W - LEFT - RIGHT, height: H - TOP - BOTTOM },
      element("clipPath", { id: clip }, defs));
    names.forEach((name, k) => {
      let d = "", pen = "M";
      data.series[name].forEach((v, i) => {
        const near = time[i] !== null && time[i] >= range[0] - (range[1] - range[0]) &&
          time[i] <= range[1] + (range[1] - range[0]);
        if (v === null || !near) { pen = "M"; return; }
        d += `${pen}${toX(time[i]).toFixed(1)},${toY(v).toFixed(1)}`;
        pen = "L";
      });
      const colour = COLOURS[k % COLOURS.length];
      element("path", { d: d, fill: "none", stroke: colour, "stroke-width": 1.4,
        "clip-path": `url(#${clip})`, class: "series" }, svg);
      const x = LEFT + 10 + k * 150;
      element("line", { x1: x, x2: x + 18, y1: 14, y2: 14, stroke: colour, "stroke-width": 2 }, svg);
      element("text", { x: x + 22, y: 18, class: "legend" }, svg).textContent = name;
    });
    selection = element("rect", { class: "selection", x: 0, y: TOP, width: 0,
      height: H - TOP - BOTTOM, visibility: "hidden" }, svg);
  }

  function zoomTo(a, b) {
    const low = Math.max(full[0], Math.min(a, b)), high = Math.min(full[1], Math.max(a, b));
    if (high - low > (full[1] - full[0]) * 1e-4) range = [low, high];
    draw();
  }

  svg.addEventListener("mousedown", (event) => {
    dragStart = svgX(event);
    event.preventDefault();
  });
  svg.addEventListener("mousemove", (event) => {
    if (dragStart === null) return;
    const x = svgX(event);
    selection.setAttribute("x", Math.min(x, dragStart));
    selection.setAttribute("width", Math.abs(x - dragStart));
    selection.setAttribute("visibility", "visible");
  });
  window.addEventListener("mouseup", (event) => {
    if (dragStart === null) return;
    const x = svgX(event), start = dragStart;
    dragStart = null;
    if (Math.abs(x - start) > 4) zoomTo(fromX(start), fromX(x));
    else selection.setAttribute("visibility", "hidden");
  });
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const centre = fromX(svgX(event)), factor = event.deltaY > 0 ? 1.25 : 0.8;
    zoomTo(centre + (range[0] - centre) * factor, centre + (range[1] - centre) * factor);
  }, { passive: false });
  const showAll = () => { range = full.slice(); draw(); };
  svg.addEventListener("dblclick", showAll);
  reset.addEventListener("click", showAll);
  draw();
}

document.querySelectorAll("figure.curves").forEach(makePlot);
