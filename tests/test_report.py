"""`nas report` on a tiny stored study: every figure is written and inlined in the HTML page.

The study is written straight through Optuna (no training): the report reads only what a search
stores, so a few synthetic trials with the same user attrs exercise it in well under a second.
"""
from __future__ import annotations

import base64
from pathlib import Path

from nas.report.plots import pareto_front

STORE = "sqlite:///studies/nas.db"


def _study(workdir: Path, name: str, trained: int, rejected: int = 0, pruned: int = 0) -> None:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution
    from optuna.trial import TrialState, create_trial

    (workdir / "studies").mkdir(exist_ok=True)
    study = optuna.create_study(study_name=name, storage=STORE, directions=["maximize", "minimize"])
    study.set_user_attr("nas", {"task": "image", "dataset": "digits", "metric": "accuracy",
                                "objectives": ["accuracy", "params"]})
    dists = {"blocks.0.channels": CategoricalDistribution([4, 8, 16]), "train.lr": FloatDistribution(1e-3, 1e-1, log=True)}
    for i in range(trained + rejected + pruned):
        channels, lr = [4, 8, 16][i % 3], 10 ** (-3 + (i % 5) * 0.4)
        params = 100 * channels
        acc = 0.5 + 0.02 * channels - 0.1 * abs(lr - 0.01)
        attrs = {"params": params, "flops": 20 * params, "latency_ms": 0.01 * channels, "latency_ms_batch": 0.1,
                 "curve": [acc - 0.2, acc - 0.05, acc]}
        state, values = TrialState.COMPLETE, [acc, float(params)]
        if i >= trained + rejected:
            state, values, attrs["curve"] = TrialState.PRUNED, None, [acc - 0.3]
        elif i >= trained:
            values, attrs = [0.0, float(params)], {**attrs, "rejected": "params > --max-params 1", "curve": []}
        study.add_trial(create_trial(state=state, values=values, params={"blocks.0.channels": channels, "train.lr": lr},
                                     distributions=dists, user_attrs=attrs))


def test_pareto_front_2d() -> None:
    points = [(0.9, 100.0), (0.95, 1000.0), (0.8, 500.0), (0.9, 50.0), (0.99, 5000.0)]
    assert sorted(pareto_front(points, maximize=True)) == [1, 3, 4]
    assert sorted(pareto_front([(1.0, 10.0), (1.5, 20.0), (0.5, 30.0)], maximize=False)) == [0, 2]


def test_report_writes_pngs_and_a_self_contained_page(workdir, run_cli) -> None:  # noqa: ANN001
    _study(workdir, "tiny", trained=9, rejected=2, pruned=2)
    result = run_cli("report", "--out", "rep")
    assert result.exit_code == 0, result.stderr
    out = workdir / "rep"
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert {"history.png", "pareto.png", "size.png", "curves.png", "importance.png"} == set(pngs)
    page = (out / "index.html").read_text()
    for name in pngs:
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
        assert f'alt="{name}" src="data:image/png;base64,{base64.b64encode(data).decode()}"' in page
    assert "optuna-dashboard sqlite:///studies/nas.db" in page and page.count("<tr>") == 1 + 9  # trained only
    assert "objectives accuracy, params; trials: 9 complete, 2 pruned, 2 rejected" in page


def test_report_notes_missing_importances_and_refuses_untrained_studies(workdir, run_cli) -> None:  # noqa: ANN001
    _study(workdir, "rejected", trained=0, rejected=2)
    refused = run_cli("report", "--study", "rejected")
    assert refused.exit_code == 2 and "has no trained, completed trial" in refused.stderr
    assert not (workdir / "reports").exists()
    _study(workdir, "small", trained=3)
    result = run_cli("report", "--study", "small")
    assert result.exit_code == 0, result.stderr
    assert "left out: Parameter importances: needs at least 4 trained trials, the study has 3" in result.stdout
    assert not (workdir / "reports/small/importance.png").exists() and (workdir / "reports/small/history.png").exists()
