// Draws the maze: walls, floor (or the policy's heatmap), visited cells, preferred-direction arrows,
// start, goal, agent. Arrows come from the latest per-cell values when the socket sent them.
export const COLORS = {
  wall: "#1f2937", floor: "#f8fafc", visited: "#bfdbfe", start: "#22c55e", goal: "#f59e0b",
  agent: "#2563eb", arrow: "#94a3b8", grid: "#e2e8f0",
};
const DIRS = [[-1, 0], [1, 0], [0, -1], [0, 1]]; // up, down, left, right (action order)
// Heatmap scale, low → high (the legend in agents.css draws the same three stops).
export const HEAT_STOPS = [[239, 246, 255], [250, 204, 21], [220, 38, 38]];

export function heatColor(t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(x)), f = x - i;
  const [a, b] = [HEAT_STOPS[i], HEAT_STOPS[i + 1]];
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(",")})`;
}

// [[r, c, action]] from the values frame: each floor cell's best-scoring action.
export function arrowsFromValues(values) {
  return values.cells.map(([r, c, scores]) => [r, c, scores.indexOf(Math.max(...scores))]);
}

function arrow(ctx, cx, cy, action, size) {
  const [dy, dx] = DIRS[action];
  const tipX = cx + dx * size, tipY = cy + dy * size;
  ctx.beginPath();
  ctx.moveTo(cx - dx * size, cy - dy * size);
  ctx.lineTo(tipX, tipY);
  // Arrowhead: two strokes back from the tip, either side of the shaft.
  const back = size * 0.6, side = size * 0.5;
  ctx.moveTo(tipX - dx * back - dy * side, tipY - dy * back + dx * side);
  ctx.lineTo(tipX, tipY);
  ctx.lineTo(tipX - dx * back + dy * side, tipY - dy * back - dx * side);
  ctx.stroke();
}

export function drawMaze(canvas, state) {
  const ctx = canvas.getContext("2d");
  const { grid, start, goal, position, visited, values, heatmap } = state;
  if (!grid) return;
  const arrows = values ? arrowsFromValues(values) : state.arrows;
  const heat = new Map();
  if (heatmap && values) {
    const span = values.max - values.min || 1;
    for (const [r, c, scores] of values.cells) heat.set(`${r},${c}`, heatColor((Math.max(...scores) - values.min) / span));
  }
  const rows = grid.length, cols = grid[0].length;
  const cell = Math.floor(Math.min(canvas.width / cols, canvas.height / rows));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const wall = grid[r][c] === "#";
      const key = `${r},${c}`;
      ctx.fillStyle = wall ? COLORS.wall : heat.get(key) || (visited.has(key) ? COLORS.visited : COLORS.floor);
      ctx.fillRect(c * cell, r * cell, cell, cell);
      if (!wall && heat.has(key) && visited.has(key)) { // visited stays visible through the heatmap
        ctx.fillStyle = "rgba(37, 99, 235, 0.25)";
        ctx.fillRect(c * cell, r * cell, cell, cell);
      }
      if (!wall) { ctx.strokeStyle = COLORS.grid; ctx.lineWidth = 1; ctx.strokeRect(c * cell + 0.5, r * cell + 0.5, cell - 1, cell - 1); }
    }
  }
  const mark = ([r, c], color) => {
    ctx.fillStyle = color;
    ctx.fillRect(c * cell + cell * 0.12, r * cell + cell * 0.12, cell * 0.76, cell * 0.76);
  };
  mark(start, COLORS.start);
  mark(goal, COLORS.goal);
  if (heat.size) { // on the heatmap's warm colours the goal needs an outline to stand out
    ctx.strokeStyle = COLORS.wall; ctx.lineWidth = 2;
    ctx.strokeRect(goal[1] * cell + cell * 0.12, goal[0] * cell + cell * 0.12, cell * 0.76, cell * 0.76);
  }
  ctx.strokeStyle = COLORS.arrow; ctx.lineWidth = Math.max(1.5, cell / 16);
  for (const [r, c, action] of arrows || []) {
    if (r === goal[0] && c === goal[1]) continue;
    arrow(ctx, c * cell + cell / 2, r * cell + cell / 2, action, cell * 0.22);
  }
  ctx.fillStyle = COLORS.agent;
  ctx.beginPath();
  ctx.arc(position[1] * cell + cell / 2, position[0] * cell + cell / 2, cell * 0.32, 0, Math.PI * 2);
  ctx.fill();
}
