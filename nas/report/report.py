"""`nas report`: PNG figures and one self-contained HTML page (images inlined as base64) for a study.

Reads only what the search stored (values and user attrs), so it works on any store and needs no
server; the same store also opens in optuna-dashboard. Trials rejected untrained by a cost limit
are left out of every figure: their metric is a placeholder, not a measurement.
"""
from __future__ import annotations

import base64
import html
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from nas.errors import StoreError, UsageError
from nas.format import fmt
from nas.report import plots
from nas.store import attrs, leaderboard, study_record, trial_row

TOP_CURVES = 5
TABLE_ROWS = 25
MIN_TRIALS_FOR_IMPORTANCE = 4


@dataclass(frozen=True)
class Record:
    """One trial, as the figures need it."""

    number: int
    state: str
    value: float | None  # validation metric of a trained, completed trial
    costs: dict[str, Any]
    curve: list[float]
    summary: str


@dataclass
class Report:
    html: Path
    figures: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def records(study: Any) -> list[Record]:
    out = []
    for t in study.get_trials(deepcopy=False):
        row = trial_row(t)
        value = row["value"] if row["state"] == "complete" else None
        costs = {k: t.user_attrs.get(k) for k in (attrs.PARAMS, attrs.FLOPS, attrs.LATENCY_MS)}
        out.append(Record(t.number, row["state"], value, costs, list(t.user_attrs.get(attrs.CURVE) or []), row["summary"]))
    return out


def importance_values(study: Any) -> dict[str, float] | str:
    """fANOVA importances of the metric over trained, completed trials; a reason string when
    there are too few (rejected trials are left out: their placeholder metric would make
    'size' look decisive)."""
    trials = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
              if t.values and t.params and not t.user_attrs.get("rejected")]
    if len(trials) < MIN_TRIALS_FOR_IMPORTANCE:
        return f"needs at least {MIN_TRIALS_FOR_IMPORTANCE} trained trials, the study has {len(trials)}"
    copy = optuna.create_study(directions=study.directions)
    copy.add_trials(trials)
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)  # variance share: direction-free
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = optuna.importance.get_param_importances(copy, evaluator=evaluator, target=lambda t: t.values[0])
    except (ValueError, RuntimeError) as exc:
        return f"could not be computed ({str(exc).splitlines()[0]})"
    if not values:
        return "no parameter is shared by all trained trials"
    return values


def _maximize(study: Any) -> bool:
    return study.directions[0].name == "MAXIMIZE"


def draw(study: Any, out: Path) -> Report:
    """Write every figure into `out` and return their paths (and notes on the ones left out)."""
    record = study_record(study)
    metric = record.metric if record else "value"
    maximize, recs = _maximize(study), records(study)
    report = Report(html=out / "index.html")
    figures = report.figures
    figures["history"] = plots.history(recs, metric, maximize, out / "history.png")
    figures["pareto"] = plots.pareto(recs, metric, maximize, out / "pareto.png")
    figures["size"] = plots.size_scatter(recs, metric, maximize, out / "size.png")
    trained = sorted((r for r in recs if r.value is not None and r.curve), key=lambda r: r.value, reverse=maximize)
    figures["curves"] = plots.curves(trained[:TOP_CURVES], metric, out / "curves.png")
    found = importance_values(study)
    if isinstance(found, str):
        report.notes.append(f"Parameter importances: {found}.")
    else:
        figures["importance"] = plots.importances(found, out / "importance.png")
    return report


CAPTIONS = {
    "history": ("Optimisation history", "Validation metric of each trial and the best so far."),
    "pareto": ("Pareto fronts", "Accuracy against each cost; red points are Pareto-optimal for that pair, labelled with the trial number."),
    "importance": ("Parameter importances", "Share of the metric's variance explained by each search-space choice (fANOVA over trained trials)."),
    "size": ("Metric vs model size", "Every trained trial, coloured by latency at batch 1."),
    "curves": ("Learning curves", f"Validation metric per epoch of the top {TOP_CURVES} trials."),
}


def _table(rows: list[dict[str, Any]], metric: str) -> str:
    head = ["rank", "trial", f"val {metric}", f"test {metric}", "params", "FLOPs", "latency ms", "train s", "architecture"]
    body = []
    for r in rows:
        cells = [r["rank"], r["trial"], fmt(r["value"]), fmt(r["test"]),
                 f"{r['params']:,}" if r["params"] is not None else "-",
                 f"{r['flops']:,}" if r.get("flops") is not None else "-",
                 fmt(r.get("latency_ms"), 3), fmt(r["seconds"], 1), r["summary"]]
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    return ("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
            + "".join(body) + "</table>")


def _page(study: Any, report: Report, storage: str) -> str:
    record = study_record(study)
    metric = record.metric if record else "value"
    counts: dict[str, int] = {}
    for r in records(study):
        counts[r.state] = counts.get(r.state, 0) + 1
    sections = []
    for key, png in report.figures.items():
        title, caption = CAPTIONS[key]
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        sections.append(f'<h2>{title}</h2><p>{caption}</p><img alt="{png.name}" src="data:image/png;base64,{data}">')
    notes = "".join(f"<p class=note>{html.escape(n)}</p>" for n in report.notes)
    facts = (f"task {record.task if record else None}, dataset {record.dataset if record else None}, objectives "
             f"{', '.join((record.objectives if record else None) or [metric])}; trials: "
             + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    table = _table(leaderboard(study, top=TABLE_ROWS), metric)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>nas report: {html.escape(study.study_name)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}} img{{max-width:100%}}
table{{border-collapse:collapse;font-size:13px}} td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}
td:last-child{{text-align:left}} .note{{color:#a50}}</style></head><body>
<h1>Study {html.escape(study.study_name)}</h1><p>{html.escape(facts)}</p>
{''.join(sections)}{notes}<h2>Leaderboard (top {TABLE_ROWS})</h2>{table}
<p>Interactive view of the same store: <code>optuna-dashboard {html.escape(storage)}</code></p>
</body></html>
"""


def write_report(study: Any, out: str | Path, storage: str = "sqlite:///studies/nas.db") -> Report:
    """Draw the figures and the HTML page into `out` (created); UsageError when it cannot be."""
    if not any(r.value is not None for r in records(study)):
        raise StoreError(f"--study: study '{study.study_name}' has no trained, completed trial to report on yet")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out: cannot create folder {out} ({exc.strerror})") from None
    report = draw(study, out)
    report.html.write_text(_page(study, report, storage), encoding="utf-8")
    return report
