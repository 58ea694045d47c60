"""Replicate seeds, re-evaluation of noisy trials, and their means and storage."""

from __future__ import annotations

import statistics
import zlib

import numpy as np
import pytest
from pymoo.problems import get_problem

import moopt
from moopt import Float
from moopt._pruning import replicate_seed
from moopt._reevaluation import reevaluation_requests, uncertain_members

ZDT1 = get_problem("zdt1", n_var=4)
SPACE = {f"x{i}": Float(0.0, 1.0) for i in range(4)}
OBJECTIVES = {"f1": "minimize", "f2": "minimize"}


def noisy_zdt1(params, trial):
    """ZDT1 plus noise seeded by the replicate seed and the configuration."""
    x = np.array([params[f"x{i}"] for i in range(4)])
    f1, f2 = ZDT1.evaluate(x[None, :])[0]
    key = zlib.crc32(x.tobytes())
    noise = np.random.default_rng([trial.seed, key]).normal(0.0, 0.2, size=2)
    return {"f1": f1 + noise[0], "f2": f2 + noise[1], "seed": trial.seed}


def run(**options):
    settings = {"n_trials": 120, "population_size": 12, "seed": 2}
    settings.update(options)
    objective = settings.pop("objective", noisy_zdt1)
    return moopt.optimize(objective, SPACE, OBJECTIVES, **settings)


def records(result):
    return [
        (t.number, t.state, t.values, t.n_evaluations, t.replicate_of)
        for t in result.trials
    ]


def test_replicate_seeds_are_shared_across_configurations():
    result = run(reevaluation=3, n_trials=36)

    seeds = {}
    for trial in result.trials:
        original = trial.number if trial.replicate_of is None else trial.replicate_of
        seeds.setdefault(original, []).append(trial.replicates[0]["seed"])
    lists = list(seeds.values())
    assert all(len(seed_list) == 3 for seed_list in lists)
    assert all(seed_list == lists[0] for seed_list in lists)
    assert len(set(lists[0])) == 3


def test_fixed_reevaluation_averages_every_configuration():
    result = run(reevaluation=3, n_trials=36)
    originals = [t for t in result.trials if t.replicate_of is None]
    replicates = [t for t in result.trials if t.replicate_of is not None]

    assert len(originals) == 12
    assert len(replicates) == 24
    assert all(t.state == "replicate" for t in replicates)
    for trial in originals:
        values = [
            trial.replicates[0]["f1"],
            *(r.values["f1"] for r in replicates if r.replicate_of == trial.number),
        ]
        assert trial.n_evaluations == 3
        assert trial.values["f1"] == pytest.approx(statistics.fmean(values))
        assert trial.standard_errors["f1"] == pytest.approx(
            statistics.stdev(values) / 3**0.5
        )


def test_cut_generation_keeps_replicate_seeds_paired():
    # The budget cuts generations short, dropping re-evaluations that were
    # asked; the next re-evaluation of those trials takes the unused seed.
    def objective(params, trial):
        return {**noisy_zdt1(params, trial), "replicate": trial.replicate}

    evaluated = []
    for seed in range(5):
        result = run(
            objective=objective,
            reevaluation="adaptive",
            final_reevaluations=0.15,
            n_trials=20,
            population_size=8,
            seed=seed,
        )
        evaluated += [t for t in result.trials if t.n_evaluations > 1]

    assert evaluated
    for trial in evaluated:
        replicates = [r["replicate"] for r in trial.replicates]
        assert replicates == list(range(trial.n_evaluations))


def test_adaptive_reevaluation_stays_within_share():
    result = run(reevaluation="adaptive", reevaluation_share=0.2, n_trials=240)
    n_replicates = sum(t.state == "replicate" for t in result.trials)

    assert 0 < n_replicates <= 0.2 * len(result.trials)
    assert len(result.trials) == 240


def test_adaptive_spends_little_without_noise():
    # The first round finds no spread, so later rounds re-evaluate only
    # members whose values another member matches exactly.
    def exact(params, trial):
        x = np.array([params[f"x{i}"] for i in range(4)])
        f1, f2 = ZDT1.evaluate(x[None, :])[0]
        return {"f1": f1, "f2": f2}

    result = run(objective=exact, reevaluation="adaptive", n_trials=240)
    replicates = [t for t in result.trials if t.state == "replicate"]

    assert replicates
    assert all(t.generation == replicates[0].generation for t in replicates)


def test_pareto_set_uses_means():
    optimizer = moopt.NSGA2(
        {"x": Float(0.0, 1.0)},
        {"loss": "minimize", "size": "minimize"},
        population_size=2,
        seed=0,
        reevaluation="adaptive",
        reevaluation_share=0.5,
    )
    lucky, steady = optimizer.ask()
    optimizer.tell(lucky, {"loss": 0.0, "size": 0.0})
    optimizer.tell(steady, {"loss": 1.0, "size": 1.0})
    assert [t.number for t in optimizer.result().pareto_set] == [lucky.number]

    again = [t for t in optimizer.ask() if t.replicate_of == lucky.number]
    assert len(again) == 1
    optimizer.tell(again[0], {"loss": 4.0, "size": 4.0})

    result = optimizer.result()
    # Mean (2, 2) is dominated by (1, 1).
    assert result.trials[lucky.number].values == {"loss": 2.0, "size": 2.0}
    assert [t.number for t in result.pareto_set] == [steady.number]


def test_final_reevaluations_revisit_pareto_set():
    result = run(final_reevaluations=0.25, n_trials=120)
    last = result.trials[-30:]
    members = {t.number for t in result.pareto_set}

    assert all(t.state == "replicate" for t in last)
    assert {t.replicate_of for t in last} <= {t.number for t in result.trials}
    assert members & {t.replicate_of for t in last}
    assert all(t.state != "replicate" for t in result.trials[:90])


def test_resumed_noisy_study_matches_uninterrupted(tmp_path):
    path = tmp_path / "study.db"
    options = {"reevaluation": "adaptive", "final_reevaluations": 0.1}
    run(storage=path, n_trials=60, reevaluation="adaptive")
    resumed = run(storage=path, n_trials=120, **options)
    loaded = moopt.load_study(path)

    assert records(resumed) == records(run(n_trials=120, **options))
    assert records(loaded) == records(resumed)
    assert [t.number for t in loaded.pareto_set] == [
        t.number for t in resumed.pareto_set
    ]


def test_study_after_final_reevaluations_resumes(tmp_path):
    path = tmp_path / "study.db"
    options = {"reevaluation": "adaptive", "final_reevaluations": 0.1}
    first = run(storage=path, n_trials=60, **options)
    again = run(storage=path, n_trials=60, **options)
    longer = run(storage=path, n_trials=100, **options)

    def kinds(result):
        return [(t.number, t.state, t.replicate_of) for t in result.trials]

    assert records(again) == records(first)
    assert kinds(longer)[:60] == kinds(first)
    assert len(longer.trials) == 100
    assert sum(t.state == "replicate" for t in longer.trials[90:]) == 10


def test_workers_reevaluate_like_serial_run():
    options = {"reevaluation": "adaptive", "n_trials": 60}
    assert records(run(n_workers=2, **options)) == records(run(**options))


def test_async_mode_reevaluates_within_share():
    options = {"mode": "async", "reevaluation": "adaptive", "n_trials": 120}
    result = run(n_workers=2, final_reevaluations=0.1, **options)
    replicates = [t for t in result.trials if t.state == "replicate"]

    assert len(result.trials) == 120
    assert 12 <= len(replicates) <= 0.2 * 108 + 12
    assert all(t.state == "replicate" for t in result.trials[108:])


def test_async_fixed_reevaluation_repeats_each():
    result = run(mode="async", reevaluation=2, n_trials=40)
    originals = [t for t in result.trials if t.replicate_of is None]

    assert len(originals) == 20
    assert all(t.n_evaluations == 2 for t in originals)


def test_resumed_async_noisy_study_matches(tmp_path):
    path = tmp_path / "study.db"
    options = {"mode": "async", "reevaluation": "adaptive", "final_reevaluations": 0.1}
    run(storage=path, n_trials=60, mode="async", reevaluation="adaptive")
    resumed = run(storage=path, n_trials=120, **options)

    assert records(resumed) == records(run(n_trials=120, **options))
    assert records(moopt.load_study(path)) == records(resumed)


def test_ask_reevaluations_returns_running_replicates():
    optimizer = moopt.NSGA2(
        {"x": Float(0.0, 1.0)}, {"loss": "minimize"}, population_size=3, seed=0
    )
    for trial in optimizer.ask():
        optimizer.tell(trial, {"loss": trial.params["x"]})
    best = optimizer.result().pareto_set[0]

    again = optimizer.ask_reevaluations(2)

    assert [(t.replicate_of, t.state) for t in again] == [(best.number, "running")]
    handle = optimizer.handle(again[0])
    assert handle.replicate == 1
    assert handle.seed == replicate_seed(optimizer.seed, 1)
    assert handle.seed != replicate_seed(optimizer.seed, 0)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"reevaluation": "sometimes"}, ValueError, "'none', 'adaptive' or an int"),
        ({"reevaluation": 0}, ValueError, "got 0"),
        ({"final_reevaluations": 1.0}, ValueError, r"in \[0, 1\), got 1.0"),
        ({"final_reevaluations": "half"}, TypeError, "must be a float"),
        ({"reevaluation_share": 2.0}, ValueError, "reevaluation_share"),
    ],
)
def test_bad_reevaluation_settings_rejected(options, error, message):
    def objective(params, trial):
        raise AssertionError("no trial may run")

    with pytest.raises(error, match=message):
        run(objective=objective, **options)


def test_problem_rejects_reevaluation():
    with pytest.raises(ValueError, match="apply to callable objectives"):
        moopt.optimize(ZDT1, n_trials=20, reevaluation=2)


# ------------------------------------------------------------- selection
def test_uncertain_members_hand_worked():
    means = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.9], [3.0, 3.0]])
    errors = np.full((4, 2), 0.05)
    first_front = np.array([True, True, True, False])

    # Intervals are mean +- 0.1. Member 2's upper corner is (0.6, 1.0); member
    # 0's lower corner (-0.1, 0.9) lies below it in both objectives, so 0 may
    # dominate 2. Nothing may dominate 0 or 1, and 3 is not on the front.
    assert uncertain_members(means, errors, first_front).tolist() == [
        False,
        False,
        True,
        False,
    ]


def test_uncertain_members_without_noise_need_exact_ties():
    means = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    mask = uncertain_members(means, np.zeros((3, 2)), np.ones(3, dtype=bool))

    assert mask.tolist() == [True, True, False]


def test_requests_favour_fewest_evaluations():
    requests = reevaluation_requests(
        population=np.array([10, 11, 12, 13]),
        minimized=np.zeros((4, 2)),
        ranks=np.array([0, 0, 0, 1]),
        counts=np.array([3, 1, 1, 1]),
        deviation=None,
        limit=2,
    )

    assert requests.tolist() == [11, 12]


def exact_zdt1(params, trial):
    x = np.array([params[f"x{i}"] for i in range(4)])
    f1, f2 = ZDT1.evaluate(x[None, :])[0]
    return {"f1": f1, "f2": f2}


def test_final_budget_returns_to_search_without_noise(tmp_path):
    # The first final round shows that evaluations repeat exactly, so no
    # member is uncertain and the rest of the final share is spent searching.
    path = tmp_path / "study.db"
    options = {"objective": exact_zdt1, "final_reevaluations": 0.25}
    result = run(storage=path, **options)
    replicates = [t for t in result.trials if t.state == "replicate"]

    assert len(result.trials) == 120
    assert 0 < len(replicates) <= 12
    assert result.trials[-1].state == "complete"
    assert records(run(storage=path, **options)) == records(result)
    assert records(run(**options)) == records(result)


def test_interrupted_final_rounds_resume_as_uninterrupted(tmp_path):
    path = tmp_path / "study.db"
    options = {"reevaluation": "adaptive", "final_reevaluations": 0.25}
    calls = []

    def interrupted(params, trial):
        calls.append(trial.number)
        if len(calls) == 95:
            raise KeyboardInterrupt
        return noisy_zdt1(params, trial)

    run(objective=interrupted, storage=path, **options)
    resumed = run(storage=path, **options)

    assert len(calls) == 95
    assert records(resumed) == records(run(**options))


def test_generations_count_fixed_reevaluations():
    result = run(n_trials=None, n_generations=3, reevaluation=3)

    assert len(result.trials) == 3 * 12 * 3
    assert all(t.n_evaluations == 3 for t in result.trials if t.state == "complete")


def test_final_share_leaving_no_generation_rejected():
    with pytest.raises(ValueError, match=r"leaves 4 of 120 trials for the search"):
        run(final_reevaluations=0.97)


def test_pruner_with_fixed_reevaluation_rejected():
    with pytest.raises(ValueError, match="use reevaluation='adaptive' with a pruner"):
        run(reevaluation=2, pruner=moopt.SuccessiveHalvingPruner())


def test_ask_reevaluations_while_running_rejected():
    optimizer = moopt.NSGA2(
        {"x": Float(0.0, 1.0)}, {"loss": "minimize"}, population_size=3, seed=0
    )
    trials = optimizer.ask()
    optimizer.tell(trials[0], {"loss": 0.5})

    with pytest.raises(RuntimeError, match="2 trials are still running"):
        optimizer.ask_reevaluations(1)
