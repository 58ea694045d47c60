"""A training task for pruning: a small MLP on scikit-learn's digits, one epoch a step.

The digits data (1797 images of 8 x 8 pixels, 10 classes) is split once,
stratified and with a fixed seed, into 60 % training, 20 % validation and
20 % test data. Pixels are divided by 16, their maximum, so features lie in
[0, 1]. A configuration is an ``MLPClassifier`` trained with ``partial_fit``,
one pass over the training data per epoch, for at most ``MAX_EPOCHS`` epochs.
After each epoch the objective reports the validation error, and after the
first epoch also the number of weights, which training does not change.

Two objectives are minimized: the validation error (1 - accuracy) after the
last epoch, and ``n_weights``, the number of weights and biases of the
network. The initial weights and the order of the minibatches come from a
fixed ``random_state``, so a configuration always trains to the same
network. The value a complete trial returns is therefore its true final
value, and a second training of it would give the same numbers. A complete
trial also returns ``test_error``, the error on the test data, which no
optimizer reads. It measures how well the validation front holds on new data.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import moopt

# A power of 3, so successive-halving rungs 1, 3, 9 and 27 end on the last
# epoch.
MAX_EPOCHS = 27
N_FEATURES = 64
N_CLASSES = 10
MODEL_SEED = 0

SPACE = {
    "n_layers": moopt.Int(1, 2),
    "hidden_units": moopt.Int(2, 128, log=True),
    "learning_rate_init": moopt.Float(1e-4, 1e-1, log=True),
    "alpha": moopt.Float(1e-6, 1e-1, log=True),
    "batch_size": moopt.Int(16, 256, log=True),
}
OBJECTIVES = {"error": "minimize", "n_weights": "minimize"}

# Hypervolume reference in user units (error, weights). Only networks that
# misclassify less than a fifth of the validation images with fewer than 5000
# weights add volume. One hidden layer of 67 units has 5035. The looser
# reference (0.5, 30 000) separated the methods less: any run soon finds
# small networks of low error, which cover most of that box. There, unpruned
# and pruned NSGA-II ended within 0.5 % of each other after 1350 epochs.
REFERENCE_POINT = (0.2, 5000.0)


@functools.cache
def digits_split() -> tuple[np.ndarray, ...]:
    """Return (train X, train y, validation X, validation y, test X, test y)."""
    features, labels = load_digits(return_X_y=True)
    features = features / 16.0
    train_x, rest_x, train_y, rest_y = train_test_split(
        features, labels, test_size=0.4, stratify=labels, random_state=0
    )
    valid_x, test_x, valid_y, test_y = train_test_split(
        rest_x, rest_y, test_size=0.5, stratify=rest_y, random_state=0
    )
    return train_x, train_y, valid_x, valid_y, test_x, test_y


def layer_sizes(params: dict) -> tuple[int, ...]:
    """Return the hidden layer sizes of a configuration."""
    return (int(params["hidden_units"]),) * int(params["n_layers"])


def count_weights(params: dict) -> int:
    """Return the number of weights and biases of a configuration's network."""
    sizes = (N_FEATURES, *layer_sizes(params), N_CLASSES)
    return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))


def make_model(params: dict) -> MLPClassifier:
    """Return an untrained network for ``params`` (Adam, fixed random_state)."""
    return MLPClassifier(
        hidden_layer_sizes=layer_sizes(params),
        learning_rate_init=float(params["learning_rate_init"]),
        alpha=float(params["alpha"]),
        batch_size=int(params["batch_size"]),
        random_state=MODEL_SEED,
    )


def train_mlp(params: dict, trial: object) -> dict[str, float]:
    """Train one configuration epoch by epoch, reporting to ``trial``; moopt objective.

    After each epoch the validation error is reported, with ``n_weights`` at
    the first epoch. Before the last epoch, when ``trial.should_prune()`` is
    True, ``moopt.TrialPruned`` is raised. A complete training returns the
    validation error, ``n_weights`` and the test error.
    """
    train_x, train_y, valid_x, valid_y, test_x, test_y = digits_split()
    model = make_model(params)
    n_weights = float(count_weights(params))
    classes = np.arange(N_CLASSES)
    error = 1.0
    for epoch in range(1, MAX_EPOCHS + 1):
        model.partial_fit(train_x, train_y, classes=classes)
        error = 1.0 - float(model.score(valid_x, valid_y))
        values = {"error": error}
        if epoch == 1:
            values["n_weights"] = n_weights
        trial.report(epoch, values)  # type: ignore[attr-defined]
        if epoch < MAX_EPOCHS and trial.should_prune():  # type: ignore[attr-defined]
            raise moopt.TrialPruned()
    return {
        "error": error,
        "n_weights": n_weights,
        "test_error": 1.0 - float(model.score(test_x, test_y)),
    }
