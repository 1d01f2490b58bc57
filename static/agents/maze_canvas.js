// Draws the maze: walls, floor, visited cells, preferred-direction arrows, start, goal, agent.
export const COLORS = {
  wall: "#1f2937", floor: "#f8fafc", visited: "#bfdbfe", start: "#22c55e", goal: "#f59e0b",
  agent: "#2563eb", arrow: "#94a3b8", grid: "#e2e8f0",
};
const DIRS = [[-1, 0], [1, 0], [0, -1], [0, 1]]; // up, down, left, right (action order)

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
  const { grid, start, goal, position, arrows, visited } = state;
  if (!grid) return;
  const rows = grid.length, cols = grid[0].length;
  const cell = Math.floor(Math.min(canvas.width / cols, canvas.height / rows));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const wall = grid[r][c] === "#";
      ctx.fillStyle = wall ? COLORS.wall : visited.has(`${r},${c}`) ? COLORS.visited : COLORS.floor;
      ctx.fillRect(c * cell, r * cell, cell, cell);
      if (!wall) { ctx.strokeStyle = COLORS.grid; ctx.lineWidth = 1; ctx.strokeRect(c * cell + 0.5, r * cell + 0.5, cell - 1, cell - 1); }
    }
  }
  const mark = ([r, c], color) => {
    ctx.fillStyle = color;
    ctx.fillRect(c * cell + cell * 0.12, r * cell + cell * 0.12, cell * 0.76, cell * 0.76);
  };
  mark(start, COLORS.start);
  mark(goal, COLORS.goal);
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
