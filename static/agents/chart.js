// A minimal line chart on a canvas: one or more series, autoscaled axes.
export class LineChart {
  constructor(canvas, { series = [{ color: "#2563eb" }], yMin = null, yMax = null } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.series = series.map((s) => ({ ...s, points: [] }));
    this.yMin = yMin;
    this.yMax = yMax;
  }

  clear() { this.series.forEach((s) => { s.points = []; }); this.draw(); }

  add(index, x, y) {
    if (y === null || y === undefined || Number.isNaN(y)) return;
    this.series[index].points.push([x, y]);
    this.draw();
  }

  bounds() {
    const all = this.series.flatMap((s) => s.points);
    const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
    let lo = this.yMin ?? Math.min(0, ...ys), hi = this.yMax ?? Math.max(0.1, ...ys);
    if (hi - lo < 1e-9) hi = lo + 1;
    return { x0: Math.min(0, ...xs), x1: Math.max(1, ...xs), lo, hi };
  }

  draw() {
    const { ctx, canvas } = this;
    const w = canvas.width, h = canvas.height, pad = 28;
    ctx.clearRect(0, 0, w, h);
    const { x0, x1, lo, hi } = this.bounds();
    const sx = (x) => pad + ((x - x0) / (x1 - x0)) * (w - pad - 6);
    const sy = (y) => h - 16 - ((y - lo) / (hi - lo)) * (h - 24);
    ctx.strokeStyle = "#cbd5e1"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(pad, sy(0)); ctx.lineTo(w - 6, sy(0)); ctx.stroke();
    ctx.fillStyle = "#667085"; ctx.font = "10px system-ui, sans-serif";
    ctx.fillText(hi.toFixed(2), 2, 12); ctx.fillText(lo.toFixed(2), 2, h - 16);
    ctx.fillText(String(Math.round(x1)), w - 30, h - 3);
    for (const s of this.series) {
      if (!s.points.length) continue;
      ctx.strokeStyle = s.color; ctx.lineWidth = 2; ctx.beginPath();
      s.points.forEach(([x, y], i) => (i ? ctx.lineTo(sx(x), sy(y)) : ctx.moveTo(sx(x), sy(y))));
      ctx.stroke();
    }
  }
}
