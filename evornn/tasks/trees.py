"""Structured tasks: map trees to target vectors (recursive networks,
:class:`~evornn.models.recursive.RecursiveNet`)."""

from __future__ import annotations

import numpy as np

from .. import datasets
from .._checks import as_float_array, positive_float, positive_int
from .base import Evaluation, Task, error_fitness


def _targets(name: str, value, n_trees: int) -> np.ndarray:
    arr = as_float_array(name, value)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n_trees or arr.shape[1] == 0:
        raise ValueError(f"{name} must have shape ({n_trees},) or ({n_trees}, n_outputs) (one row per tree), got "
                         f"{np.shape(value)}")
    return arr


class TreeTask(Task):
    """Map each training tree to its target: fitness ``1 / (1 + MSE)`` over the trees.

    Metrics: ``"mse"``; ``"learned"``, the fraction of training trees right; and, with a
    test set, ``"test_learned"``, the fraction of test trees right (a network is never
    trained on them: deeper or larger trees measure generalisation). A tree is right, for
    ``classification=True``, when the output's class is the target's (the sign of the
    single output and target, or the largest of several); otherwise when every output is
    within `tolerance` of its target.

    Parameters
    ----------
    trees : Trees
        The training trees.
    targets : array_like, shape (n_trees,) or (n_trees, n_outputs)
    test, test_targets : Trees and array_like, optional
        Held-out trees and their targets.
    classification : bool
    tolerance : float
        For ``classification=False``.

    Examples
    --------
    >>> from evornn.models.recursive import RecursiveNet
    >>> task = TreeTask.boolean(n_train=20, n_test=20, seed=0)
    >>> nets = RecursiveNet.random(4, 6, task.trees.n_labels, output_activation="tanh", rng=0)
    >>> sorted(task.evaluate(nets).metrics)
    ['learned', 'mse', 'test_learned']
    """

    def __init__(self, trees, targets, *, test=None, test_targets=None, classification: bool = True,
                 tolerance: float = 0.5):
        from ..models.recursive import Trees

        if not isinstance(trees, Trees) or (test is not None and not isinstance(test, Trees)):
            raise TypeError("trees and test must be evornn Trees batches (Trees.from_nested builds one)")
        if (test is None) != (test_targets is None):
            raise ValueError("give both test and test_targets, or neither")
        if not isinstance(classification, bool | np.bool_):
            raise TypeError(f"classification must be True or False, got {classification!r}")
        self.trees = trees
        self.targets = _targets("targets", targets, trees.n_trees)
        self.test = test
        self.test_targets = None if test is None else _targets("test_targets", test_targets, test.n_trees)
        if test is not None:
            if test.n_labels != trees.n_labels:
                raise ValueError(f"test trees have {test.n_labels} labels, training trees {trees.n_labels}")
            if self.test_targets.shape[1] != self.targets.shape[1]:
                raise ValueError(f"test_targets have {self.test_targets.shape[1]} outputs, targets "
                                 f"{self.targets.shape[1]}")
        self.classification = bool(classification)
        self.tolerance = positive_float("tolerance", tolerance)

    @classmethod
    def boolean(cls, *, n_train: int = 300, n_test: int = 300, train_depth=(1, 3), test_depth=(4, 6),
                seed: int = 0) -> TreeTask:
        """The truth of random Boolean formulas (:func:`evornn.datasets.boolean_formulas`,
        over ``T F not and or``, one-hot labels in that order): target +1 for true and -1
        for false (a network with a ``"tanh"`` output). Trained on formulas of depth
        `train_depth`, tested on deeper ones (`test_depth`), drawn from `seed`."""
        from ..models.recursive import Trees

        seed = positive_int("seed", seed, minimum=0)
        train_rng, test_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
        terms, values = datasets.boolean_formulas(n_train, depth=train_depth, rng=train_rng)
        test_terms, test_values = datasets.boolean_formulas(n_test, depth=test_depth, rng=test_rng)
        symbols = datasets.BOOLEAN_SYMBOLS
        return cls(Trees.from_nested(terms, symbols, max_arity=2), np.where(values, 1.0, -1.0),
                   test=Trees.from_nested(test_terms, symbols, max_arity=2),
                   test_targets=np.where(test_values, 1.0, -1.0))

    @property
    def n_outputs(self) -> int:
        return self.targets.shape[1]

    def check_model(self, model) -> None:
        if getattr(model, "time", None) != "structure":
            raise ValueError(f"TreeTask needs a structure model (a RecursiveNet), got {type(model).__name__}")
        if model.n_outputs < self.n_outputs:
            raise ValueError(f"the targets have {self.n_outputs} outputs; the model gives {model.n_outputs}")
        for trees in (self.trees, self.test):
            if trees is not None:
                model.check_trees(trees)

    def right(self, outputs, targets) -> np.ndarray:
        """Whether each output row is right, shape ``(n_pop, n_trees)``, from `outputs` of
        shape ``(n_pop, n_trees, n_outputs)`` and `targets` ``(n_trees, n_outputs)``."""
        y = outputs[:, :, : self.n_outputs]
        if not self.classification:
            return (np.abs(y - targets) < self.tolerance).all(axis=2)
        if self.n_outputs == 1:
            return np.sign(y[:, :, 0]) == np.sign(targets[:, 0])
        return np.argmax(np.nan_to_num(y, nan=-np.inf), axis=2) == np.argmax(targets, axis=1)

    def evaluate(self, model, rng=None) -> Evaluation:
        self.check_model(model)
        outputs = model.run(self.trees)[:, :, : self.n_outputs]
        with np.errstate(all="ignore"):
            mse = np.mean((outputs - self.targets) ** 2, axis=(1, 2))
        finite = np.isfinite(outputs).all(axis=(1, 2))
        metrics = {"mse": mse, "learned": np.where(finite, self.right(outputs, self.targets).mean(axis=1), np.nan)}
        if self.test is not None:
            test = model.run(self.test)
            ok = np.isfinite(test).all(axis=(1, 2))
            metrics["test_learned"] = np.where(ok, self.right(test, self.test_targets).mean(axis=1), np.nan)
        return Evaluation.from_raw(error_fitness(mse), metrics, worst_fitness=self.worst_fitness)

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """Network 0's fraction of trees right at each depth: ``depth``, ``learned`` and
        ``trained`` (whether that depth is among the training trees'), and ``count``."""
        net = model.take([0])
        sets = [(self.trees, self.targets)] + ([(self.test, self.test_targets)] if self.test is not None else [])
        depth = np.concatenate([trees.depth for trees, _ in sets])
        right = np.concatenate([self.right(net.run(trees), targets)[0] for trees, targets in sets])
        trained = np.isin(depth, self.trees.depth)
        levels = np.unique(depth)
        return {"depth": levels.astype(np.float64),
                "learned": np.array([right[depth == d].mean() for d in levels]),
                "trained": np.array([trained[depth == d].any() for d in levels]),
                "count": np.array([(depth == d).sum() for d in levels], dtype=np.float64)}

    def plot(self, model, *, title=None):
        from ..plotting import plot_tree_depths

        return plot_tree_depths(self.behaviour(model), title=title)
