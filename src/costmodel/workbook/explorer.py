"""The decision explorer of notebook 01: ipywidgets controls over one what-if computation.

:meth:`DecisionExplorer.evaluate` is the whole computation (usable headless: a scenario
with the controls' values applied, its month's comparison, Lambda and Fargate latency and
the quick decision); :meth:`DecisionExplorer.widget` wraps it in controls that re-run it
on every change.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w
import plotly.graph_objects as go
from IPython.display import display

from costmodel.analysis.compare import FRONT_DOOR_KINDS, compare
from costmodel.analysis.latency import latency_under_bursts
from costmodel.analysis.shapes import SHAPES, shape_traffic_block
from costmodel.decision.quick import quick_decision
from costmodel.errors import CostModelError
from costmodel.scenario.load import Scenario, load_scenario
from costmodel.workbook.display import markdown
from costmodel.workbook.figures import cost_bars, percentile_bars
from costmodel.workbook.parameters import apply_overrides

__all__ = ["EXPLORER_SHAPES", "DecisionExplorer"]

#: Traffic shapes offered by the explorer (:mod:`costmodel.analysis.shapes`).
EXPLORER_SHAPES = SHAPES


class DecisionExplorer:
    """Interactive what-if over a scenario: cost comparison, latency and verdict.

    Parameters
    ----------
    scenario_path : str, Path, mapping or Scenario
        The base scenario (work p99/mean ratio, containers, glue, workload and team).

    Controls (keyword arguments of :meth:`evaluate`): ``shape`` (one of
    :data:`EXPLORER_SHAPES`), ``mean_rps`` [req/s], ``duration_ms`` (mean) [ms],
    ``memory_mb`` [MB], ``architecture``, ``front_door`` (``front_door.kind``: the same front
    door for both sides, or ``usual``), ``keep_alive_s`` [s].
    """

    MEMORY_MB = (128, 256, 512, 1024, 1769, 2048, 3008, 4096, 10240)
    KEEP_ALIVE_S = (60, 120, 300, 600, 900, 1800, 3600)

    def __init__(self, scenario_path: str | Path | Mapping[str, Any] | Scenario):
        self.base = load_scenario(scenario_path)
        work = self.base.raw.get("work") or {}
        spec = work.get("duration_ms")
        mean_ms = float(self.base.work.duration.mean_ms)
        self._p99_ratio = (float(spec["p99"]) / float(spec["mean"])
                           if isinstance(spec, Mapping) and "p99" in spec else None)
        t = self.base.traffic
        self.defaults = {
            "shape": t.get("pattern") if t.get("pattern") in EXPLORER_SHAPES else "diurnal",
            "mean_rps": float(self.base.traffic_series()[0].mean()),
            "duration_ms": mean_ms,
            "memory_mb": int(self.base.work.memory_mb),
            "architecture": self.base.work.architecture,
            "front_door": self.base.front_door["kind"],
            "keep_alive_s": float(self.base.lambda_["keep_alive_s"]),
        }

    def scenario(self, **values: Any) -> Scenario:
        """The base scenario with the explorer's values applied."""
        v = {**self.defaults, **values}
        raw = dict(self.base.raw)
        raw["traffic"] = shape_traffic_block(v["shape"], float(v["mean_rps"]), self.base.traffic)
        duration = ({"mean": float(v["duration_ms"]), "p99": float(v["duration_ms"]) * self._p99_ratio}
                    if self._p99_ratio else float(v["duration_ms"]))
        raw = apply_overrides(raw, {
            "work.duration_ms": duration, "work.memory_mb": int(v["memory_mb"]),
            "work.architecture": v["architecture"], "front_door.kind": v["front_door"],
            "lambda.keep_alive_s": float(v["keep_alive_s"]),
        })
        return load_scenario(raw, base_dir=self.base.base_dir)

    def evaluate(self, **values: Any) -> dict[str, Any]:
        """Compare, compute latency and decide for the given control values.

        Returns
        -------
        dict
            ``values``, ``scenario``, ``comparison``, ``lambda_latency``,
            ``container_latency``, ``decision`` (from
            :func:`costmodel.decision.quick.quick_decision`).
        """
        v = {**self.defaults, **values}
        sc = self.scenario(**v)
        cmp = compare(sc)
        lam, cont, _ = latency_under_bursts(sc, cmp)
        decision = quick_decision(sc, cmp, lam, cont)
        return {"values": v, "scenario": sc, "comparison": cmp, "lambda_latency": lam,
                "container_latency": cont, "decision": decision}

    @staticmethod
    def key_numbers(state: Mapping[str, Any]) -> dict[str, Any]:
        """The state's key numbers for :func:`costmodel.workbook.display.print_key_numbers`."""
        table = state["comparison"].table
        d = state["decision"]
        return {
            "verdict": d["verdict"], "decided_by": d["decided_by"], "traffic_label": d["facts"].traffic_label,
            **{f"{o}.monthly_usd": table.loc[o, "monthly_usd"]
               for o in ("lambda", "fargate_on_demand", "ec2_on_demand")},
            "cheapest": state["comparison"].cheapest,
            "lambda.p99_ms": state["lambda_latency"].p99_ms,
            "fargate.p99_ms": state["container_latency"].p99_ms,
            "cold_start_fraction": state["lambda_latency"].cold_start_fraction,
        }

    @staticmethod
    def figures(state: Mapping[str, Any]) -> dict[str, go.Figure]:
        """Plotly figures of a state: ``cost`` (monthly cost per option) and ``latency``
        (p50/p99/p99.9 for Lambda and Fargate)."""
        table = state["comparison"].table
        cost = cost_bars(table["monthly_usd"].to_dict(), title="Monthly cost per option")
        latency = percentile_bars({"Lambda": state["lambda_latency"], "Fargate": state["container_latency"]},
                                  title="Latency percentiles over the month")
        return {"cost": cost, "latency": latency}

    @staticmethod
    def verdict_markdown(state: Mapping[str, Any]) -> str:
        """One Markdown paragraph: the verdict and the six signals' leans."""
        d = state["decision"]
        lines = [f"**Verdict: {d['verdict']}** ({d['confidence']} confidence) — decided by `{d['decided_by']}`: "
                 f"{d['reason']}", ""]
        lines += [f"- `{s.name}` leans **{s.lean}**: {s.reason}" for s in d["signals"]]
        return "\n".join(lines)

    def widget(self) -> w.VBox:
        """ipywidgets controls over :meth:`evaluate`; every change re-runs it and redraws
        the verdict, the cost and the latency charts."""
        d = self.defaults
        controls = {
            "shape": w.Dropdown(options=EXPLORER_SHAPES, value=d["shape"], description="traffic"),
            "mean_rps": w.FloatLogSlider(value=d["mean_rps"], base=10, min=-3, max=3, step=0.1,
                                         description="mean req/s", readout_format=".3g"),
            "duration_ms": w.FloatLogSlider(value=d["duration_ms"], base=10, min=0, max=5, step=0.05,
                                            description="duration ms", readout_format=".3g"),
            "memory_mb": w.SelectionSlider(options=sorted(set(self.MEMORY_MB) | {d["memory_mb"]}),
                                           value=d["memory_mb"], description="memory MB"),
            "architecture": w.ToggleButtons(options=("x86_64", "arm64"), value=d["architecture"],
                                            description="arch"),
            "front_door": w.Dropdown(options=FRONT_DOOR_KINDS, value=d["front_door"], description="front door"),
            "keep_alive_s": w.SelectionSlider(options=sorted(set(self.KEEP_ALIVE_S) | {int(d["keep_alive_s"])}),
                                              value=int(d["keep_alive_s"]), description="keep-alive s"),
        }
        out = w.Output()

        def redraw(_change: Any = None) -> None:
            out.clear_output(wait=True)
            with out:
                try:
                    state = self.evaluate(**{k: c.value for k, c in controls.items()})
                except CostModelError as exc:  # show the library's message next to the controls
                    display(markdown(f"**Cannot evaluate:** {exc}"))
                    return
                display(markdown(self.verdict_markdown(state)))
                for fig in self.figures(state).values():
                    fig.show(renderer="plotly_mimetype")  # live widget only: no HTML copy in its state

        for c in controls.values():
            c.observe(redraw, names="value")
        redraw()
        return w.VBox([w.HBox([w.VBox(list(controls.values())[:4]), w.VBox(list(controls.values())[4:])]), out])
