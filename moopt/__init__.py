"""moopt: multi-objective evolutionary optimization of expensive black boxes.

Declare a search space and named objectives with directions, then call
:func:`optimize` to get the Pareto set of configurations.
"""

import logging

from moopt._indicators import hypervolume, hypervolume_contributions, igd, igd_plus
from moopt._nsga2 import NSGA2
from moopt._objectives import Constraint
from moopt._optimize import optimize
from moopt._pruners import MedianPruner, SuccessiveHalvingPruner
from moopt._pruning import TrialHandle, TrialPruned
from moopt._selection import select
from moopt._sorting import crowding_distance, nondominated_rank, pareto_mask
from moopt._space import Categorical, Float, Int
from moopt._storage import StudyLockedError
from moopt._study import load_study
from moopt._trial import Result, Trial
from moopt.plotting import (
    hypervolume_history,
    plot_attainment,
    plot_hypervolume_history,
    plot_pairwise,
    plot_parallel_coordinates,
    plot_pareto_front,
)

__version__ = "0.1.0"

__all__ = [
    "NSGA2",
    "Categorical",
    "Constraint",
    "Float",
    "Int",
    "MedianPruner",
    "Result",
    "StudyLockedError",
    "SuccessiveHalvingPruner",
    "Trial",
    "TrialHandle",
    "TrialPruned",
    "crowding_distance",
    "hypervolume",
    "hypervolume_contributions",
    "hypervolume_history",
    "igd",
    "igd_plus",
    "load_study",
    "nondominated_rank",
    "optimize",
    "pareto_mask",
    "plot_attainment",
    "plot_hypervolume_history",
    "plot_pairwise",
    "plot_parallel_coordinates",
    "plot_pareto_front",
    "select",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
