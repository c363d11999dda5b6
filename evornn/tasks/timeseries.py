"""Time-series metrics and the reservoir-computing task: train readouts in closed form,
score on held-out data."""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, one_of, positive_int
from ..models.readout import RidgeStatistics
from .base import Evaluation, Task, error_fitness


def nrmse(prediction, target) -> np.ndarray:
    r"""Normalised root-mean-square error: the RMSE divided by the target's standard deviation.

    .. math:: \mathrm{NRMSE} = \sqrt{\langle (y - d)^2 \rangle} \,/\, \operatorname{std}(d)

    Other libraries normalise differently (ReservoirPy's ``nrmse`` divides by the target's
    range by default; some papers divide the MSE, not the RMSE, by the variance), so
    compare numbers only under one definition.

    Parameters
    ----------
    prediction : array_like, shape (..., n_steps) or (..., n_steps, n_vars)
        Leading axes (individuals, sequences) are kept.
    target : array_like, shape (n_steps,) or (n_steps, n_vars)

    Returns
    -------
    ndarray, shape (...) or (..., n_vars)

    >>> float(nrmse([1.0, 2.0, 4.0], [1.0, 2.0, 3.0]).round(4))
    0.7071
    """
    y = as_float_array("prediction", prediction, finite=False)
    d = as_float_array("target", target)
    if d.ndim not in (1, 2) or y.shape[y.ndim - d.ndim:] != d.shape:
        raise ValueError(f"prediction must end with the target's shape {d.shape}, got {y.shape}")
    time_axis = y.ndim - d.ndim
    err = np.sqrt(np.mean((y - d) ** 2, axis=time_axis))
    return err / np.std(d, axis=0)


DATASETS = ("mackey_glass", "narma", "lorenz", "henon", "mso")


class TimeSeriesTask(Task):
    r"""Reservoir computing on a time series: each reservoir's readout is trained in closed
    form on the training part and scored on the validation part that follows it.

    Fitness is ``1 / (1 + NMSE)`` with NMSE = NRMSE² averaged over the target columns
    (NRMSE as in :func:`nrmse`: RMSE over the target's standard deviation). Metrics:
    ``"nrmse"`` (validation, driven by the true inputs), ``"ridge"`` (the ridge used) and,
    with `free_run`, ``"nrmse_free"``: the error of free-running generation over the first
    `free_run` validation steps, each output fed back as the next input.

    Parameters
    ----------
    inputs : array_like, shape (n_steps, n_inputs)
    targets : array_like, shape (n_steps, n_targets)
        ``targets[n]`` is the desired output after ``inputs[n]``.
    n_train : int
        Steps used for training; the rest validate (continuing from the training state).
    washout : int
        Initial training steps left out of the fit.
    ridges : sequence of float, optional
        Try every ridge coefficient (one eigendecomposition per individual) and keep, per
        individual, the best on the validation data. Default: each individual's own ridge
        (the ``ridge`` hyperparameter, which a codec can evolve).
    fit_readout : bool
        False: score the readout the model already has (for evolving readout weights
        directly) instead of fitting one.
    free_run : int
        Steps of closed-loop generation to score (needs n_targets == n_inputs).
    score : {"one_step", "free_run"}
        Which error the fitness uses.
    dt, steps_per_input : float, int
        For memristive circuits (:class:`~evornn.models.memristive.MemristiveCircuit`,
        scored with the same readout through their :meth:`features`): the integration
        step and the steps each input sample is held.

    Examples
    --------
    >>> from evornn import ESN
    >>> task = TimeSeriesTask.from_dataset("mackey_glass", n_train=1000, n_validation=200, washout=100)
    >>> esn = ESN.random(50, spectral_radius=[0.5, 1.25], leak=0.3, rng=0)
    >>> result = task.evaluate(esn)
    >>> bool(result.metrics["nrmse"].max() < 0.05)
    True
    """

    def __init__(self, inputs, targets, *, n_train: int, washout: int = 100, ridges=None, fit_readout: bool = True,
                 free_run: int = 0, score: str = "one_step", dt: float = 0.02, steps_per_input: int = 4):
        from .._checks import positive_float

        self.dt = positive_float("dt", dt)
        self.steps_per_input = positive_int("steps_per_input", steps_per_input)
        self.inputs = as_float_array("inputs", inputs)
        self.targets = as_float_array("targets", targets)
        if self.inputs.ndim == 1:
            self.inputs = self.inputs[:, None]
        if self.targets.ndim == 1:
            self.targets = self.targets[:, None]
        if self.inputs.ndim != 2 or self.targets.ndim != 2 or self.inputs.shape[0] != self.targets.shape[0]:
            raise ValueError(f"inputs and targets must have shapes (n_steps, n_inputs) and (n_steps, n_targets) with the "
                             f"same n_steps, got {np.shape(inputs)} and {np.shape(targets)}")
        self.n_train = positive_int("n_train", n_train)
        self.washout = positive_int("washout", washout, minimum=0)
        if self.washout >= self.n_train or self.n_train >= self.inputs.shape[0]:
            raise ValueError(f"need washout < n_train < n_steps, got washout={self.washout}, n_train={self.n_train}, "
                             f"n_steps={self.inputs.shape[0]}")
        self.ridges = None if ridges is None else as_float_array("ridges", ridges).ravel()
        if self.ridges is not None and (self.ridges.size == 0 or np.any(self.ridges < 0)):
            raise ValueError(f"ridges must be a non-empty list of values >= 0, got {ridges!r}")
        self.fit_readout = bool(fit_readout)
        self.free_run = positive_int("free_run", free_run, minimum=0)
        self.score = one_of("score", score, ("one_step", "free_run"))
        n_validation = self.inputs.shape[0] - self.n_train
        if self.free_run > n_validation:
            raise ValueError(f"free_run must be at most the {n_validation} validation steps, got {self.free_run}")
        if self.free_run and self.inputs.shape[1] != self.targets.shape[1]:
            raise ValueError("free_run feeds outputs back as inputs: it needs as many targets as inputs")
        if self.score == "free_run" and not self.free_run:
            raise ValueError("score = 'free_run' needs free_run > 0")

    @classmethod
    def from_dataset(cls, dataset: str, *, n_train: int = 2000, n_validation: int = 500, washout: int = 100,
                     horizon: int = 1, ridges=None, free_run: int = 0, score: str = "one_step", seed: int = 0,
                     dt: float = 0.02, steps_per_input: int = 4) -> TimeSeriesTask:
        """The task on a generated data set (:mod:`evornn.datasets`).

        ``"narma"``: NARMA-10, input u and target y (`horizon` does not apply). The others
        (``"mackey_glass"``, ``"lorenz"``, ``"henon"`` (its x), ``"mso"`` (MSO-2)) are
        `horizon`-step-ahead prediction of the series from its present value. `seed` draws
        the NARMA input and the Mackey-Glass history.
        """
        from .. import datasets

        one_of("dataset", dataset, DATASETS)
        n_total = positive_int("n_train", n_train) + positive_int("n_validation", n_validation)
        if dataset == "narma":
            data = datasets.narma(n_total, rng=seed)
            return cls(data[:, :1], data[:, 1:], n_train=n_train, washout=washout, ridges=ridges, free_run=free_run,
                       score=score, dt=dt, steps_per_input=steps_per_input)
        horizon = positive_int("horizon", horizon)
        if dataset == "mackey_glass":
            series = datasets.mackey_glass(n_total + horizon, rng=seed)
        elif dataset == "lorenz":
            series = datasets.lorenz(n_total + horizon)
            series = (series - series.mean(axis=0)) / series.std(axis=0)
        elif dataset == "henon":
            series = datasets.henon(n_total + horizon)[:, :1]
        else:
            series = datasets.mso(n_total + horizon, 2)
        return cls(series[:-horizon], series[horizon:], n_train=n_train, washout=washout, ridges=ridges,
                   free_run=free_run, score=score, dt=dt, steps_per_input=steps_per_input)

    def check_model(self, model) -> None:
        from ..models.esn import ESN
        from ..models.memristive import MemristiveCircuit

        if isinstance(model, MemristiveCircuit):
            if model.n_inputs != self.inputs.shape[1]:
                raise ValueError(f"the task has {self.inputs.shape[1]} input(s); the circuit takes {model.n_inputs}")
            if self.free_run or not self.fit_readout:
                raise ValueError("circuits are scored with a fitted readout and without free running")
            return
        if not isinstance(model, ESN):
            raise ValueError(f"TimeSeriesTask trains reservoir readouts: it needs an ESN, got {type(model).__name__}")
        if model.n_external_inputs != self.inputs.shape[1]:
            raise ValueError(f"the task has {self.inputs.shape[1]} input(s); the ESN takes {model.n_external_inputs}")
        if (model.n_feedback or not self.fit_readout) and model.n_outputs != self.targets.shape[1]:
            raise ValueError(f"the task has {self.targets.shape[1]} target(s); the ESN has {model.n_outputs} output(s)")

    def _trained(self, model):
        """The model with its readout trained, its state after the training data, the ridges used."""
        u_train, y_train = self.inputs[: self.n_train], self.targets[: self.n_train]
        if not self.fit_readout:
            return model, model.final_state(u_train), np.full(model.n_pop, np.nan)
        stats, x_end = model.ridge_statistics(u_train, y_train, washout=self.washout, return_state=True)
        x_end[~np.isfinite(x_end).all(axis=1)] = np.nan
        if self.ridges is None:
            ridge = np.array(model.params.ridge)
            weights, bias = stats.solve(ridge)
        else:
            path_w, path_b = stats.solve_path(self.ridges)
            val = model.ridge_statistics(self.inputs[self.n_train:], self.targets[self.n_train:],
                                         x0=np.nan_to_num(x_end, nan=0.0))
            errors = val.mse(path_w, path_b).mean(axis=2)  # (n_pop, n_ridges)
            best = np.argmin(np.where(np.isfinite(errors), errors, np.inf), axis=1)
            rows = np.arange(model.n_pop)
            weights, bias, ridge = path_w[rows, best], path_b[rows, best], self.ridges[best]
        # A reservoir that diverged (or whose readout could not be fitted) gets a zero
        # readout, for a model that stays valid, and a NaN end state that marks it.
        bad = ~(np.isfinite(x_end).all(axis=1) & np.isfinite(weights).all(axis=(1, 2)) & np.isfinite(bias).all(axis=1))
        x_end[bad] = np.nan
        weights[bad], bias[bad] = 0.0, 0.0
        return model._replace(readout=weights, readout_bias=bias, ridge=ridge), x_end, ridge

    def _evaluate_circuit(self, model) -> Evaluation:
        """Memristive circuits: features after every sample, a ridge readout on the training
        part (ridge from the grid, chosen on validation, or 1e-8), NRMSE on the rest."""
        _, error, ridge = self._circuit_predictions(model)
        metrics = {"nrmse": error, "ridge": ridge}
        return Evaluation.from_raw(error_fitness(error**2), metrics, worst_fitness=self.worst_fitness)

    def _circuit_predictions(self, model):
        """Validation predictions (n_pop, n_validation, n_targets), NRMSE and ridge per circuit."""
        with np.errstate(all="ignore"):
            features = model.features(self.inputs, dt=self.dt, steps_per_input=self.steps_per_input)
            diverged = ~np.isfinite(features).all(axis=(1, 2))
            features = np.where(diverged[:, None, None], 0.0, features)
            stats = RidgeStatistics.zeros(model.n_pop, features.shape[2], self.targets.shape[1])
            stats.add(features[:, self.washout: self.n_train], self.targets[self.washout: self.n_train])
            ridges = np.array([1e-8]) if self.ridges is None else self.ridges
            weights, bias = stats.solve_path(ridges)
            prediction = np.einsum("ptf,prmf->prtm", features[:, self.n_train:], weights) + bias[:, :, None, :]
            errors = nrmse(prediction, self.targets[self.n_train:]).mean(axis=2)  # (n_pop, n_ridges)
            best = np.argmin(np.where(np.isfinite(errors), errors, np.inf), axis=1)
            rows = np.arange(model.n_pop)
            error = np.where(diverged, np.nan, errors[rows, best])
        return prediction[rows, best], error, ridges[best]

    def evaluate(self, model, rng=None) -> Evaluation:
        from ..models.memristive import MemristiveCircuit

        self.check_model(model)
        if isinstance(model, MemristiveCircuit):
            return self._evaluate_circuit(model)
        trained, x_end, ridge = self._trained(model)
        u_val, y_val = self.inputs[self.n_train:], self.targets[self.n_train:]
        # A reservoir that diverged in training (or whose readout could not be fitted)
        # continues from rest, and its error is made non-finite below: worst fitness.
        diverged = ~np.isfinite(x_end).all(axis=1)
        x_end = np.where(diverged[:, None], 0.0, x_end)
        with np.errstate(all="ignore"):
            one_step = nrmse(trained.predict(u_val, x0=x_end), y_val)  # (n_pop, n_targets)
            metrics = {"nrmse": one_step.mean(axis=1), "ridge": ridge}
            error = one_step
            if self.free_run:
                generated = trained.generate(self.free_run, warmup=u_val[:1], x0=x_end)
                free = nrmse(generated, y_val[: self.free_run])
                metrics["nrmse_free"] = free.mean(axis=1)
                if self.score == "free_run":
                    error = free
            nmse = np.where(diverged, np.nan, (error**2).mean(axis=1))
            for name in ("nrmse", "nrmse_free"):
                if name in metrics:
                    metrics[name] = np.where(diverged, np.nan, metrics[name])
        return Evaluation.from_raw(error_fitness(nmse), metrics, worst_fitness=self.worst_fitness)

    def plot(self, model, *, title=None):
        """Validation targets, predictions and their errors for individual 0 of `model`."""
        from ..plotting import plot_prediction

        return plot_prediction(self.behaviour(model), title=title)

    def trained_model(self, model):
        """Individual 0 of `model` with the readout this task trains (what a run saves);
        None for memristive circuits, whose readout is not part of the model."""
        from ..models.memristive import MemristiveCircuit

        if isinstance(model, MemristiveCircuit):
            return None
        return self._trained(model.take(0))[0]

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """Validation outputs of individual 0 against the targets (free-running ones too)."""
        from ..models.memristive import MemristiveCircuit

        if isinstance(model, MemristiveCircuit):
            prediction = self._circuit_predictions(model.take(0))[0][0]
            return {"t": np.arange(prediction.shape[0], dtype=np.float64), "outputs": prediction,
                    "target": self.targets[self.n_train:]}
        trained, x_end, _ = self._trained(model.take(0))
        u_val, y_val = self.inputs[self.n_train:], self.targets[self.n_train:]
        out = {"t": np.arange(u_val.shape[0], dtype=np.float64), "outputs": trained.predict(u_val, x0=x_end)[0],
               "target": y_val}
        if self.free_run:
            out["free_run"] = trained.generate(self.free_run, warmup=u_val[:1], x0=x_end)[0]
        return out
