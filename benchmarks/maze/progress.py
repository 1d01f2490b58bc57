"""Training progress: rolling episode statistics, MLflow, terminal bar, hook.

The hook (``on_progress``) is a plain callable receiving one dict per report::

    {"episode": 1234, "reward": -0.41, "loss": 0.012, "success_rate": 0.63,
     "episode_length": 88.1, "timesteps": 120000}

``reward``/``episode_length``/``success_rate`` are means over the last
``rolling_window`` finished episodes, with the env's exact reward (no
exploration bonus); ``loss`` is SB3's latest training loss (None before the
first update). ``stop_requested`` (a callable returning bool) is polled every
step; when it returns True training stops cleanly and the model is exported.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

ProgressHook = Callable[[dict[str, Any]], None]


class ProgressCallback(BaseCallback):
    def __init__(
        self,
        total_timesteps: int,
        *,
        log_every_steps: int,
        rolling_window: int,
        log_metrics: Callable[[dict[str, float], int], None] | None = None,
        on_progress: ProgressHook | None = None,
        stop_requested: Callable[[], bool] | None = None,
        show_bar: bool = False,
    ):
        super().__init__()
        self.total_timesteps = total_timesteps
        self.log_every_steps = log_every_steps
        self.log_metrics = log_metrics
        self.on_progress = on_progress
        self.stop_requested = stop_requested
        self.show_bar = show_bar
        self.rewards: deque[float] = deque(maxlen=rolling_window)
        self.lengths: deque[int] = deque(maxlen=rolling_window)
        self.successes: deque[bool] = deque(maxlen=rolling_window)
        self.episodes = 0
        self.stopped_early = False
        self.history: list[dict[str, Any]] = []
        self._next_report = log_every_steps
        self._bar = None

    def _on_training_start(self) -> None:
        if self.show_bar:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total_timesteps, unit="step", desc="maze training", dynamic_ncols=True)

    def _on_step(self) -> bool:
        for info, done in zip(self.locals["infos"], self.locals["dones"]):
            if done and "episode" in info:
                self.episodes += 1
                self.rewards.append(info["episode"]["r"])
                self.lengths.append(info["episode"]["l"])
                self.successes.append(bool(info.get("is_success", False)))
        if self._bar is not None:
            self._bar.update(self.training_env.num_envs)
        if self.num_timesteps >= self._next_report:
            self._next_report += self.log_every_steps
            self.report()
        if self.stop_requested is not None and self.stop_requested():
            self.stopped_early = True
            return False
        return True

    def _on_training_end(self) -> None:
        self.report()
        if self._bar is not None:
            self._bar.close()

    def snapshot(self) -> dict[str, Any]:
        loss = self.model.logger.name_to_value.get("train/loss") if self.model else None
        loss = None if loss is None or not math.isfinite(float(loss)) else float(loss)
        have = bool(self.rewards)
        return {
            "episode": self.episodes,
            "reward": float(np.mean(self.rewards)) if have else None,
            "loss": loss,
            "success_rate": float(np.mean(self.successes)) if have else None,
            "episode_length": float(np.mean(self.lengths)) if have else None,
            "timesteps": int(self.num_timesteps),
        }

    def report(self) -> None:
        snap = self.snapshot()
        self.history.append(snap)
        if self._bar is not None and snap["success_rate"] is not None:
            self._bar.set_postfix(success=f"{snap['success_rate']:.2f}", reward=f"{snap['reward']:.2f}")
        if self.log_metrics is not None:
            names = ("reward", "episode_length", "loss", "success_rate")
            self.log_metrics({k: snap[k] for k in names if snap[k] is not None}, snap["timesteps"])
        if self.on_progress is not None:
            self.on_progress(dict(snap))
