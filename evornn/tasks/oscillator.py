"""Central pattern generation: an autonomous network whose output oscillates with a target
period and amplitude."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import positive_float, positive_int
from .._numba import ERROR_MODEL
from ..integrate.simulate import simulate_outputs
from ._simulation import check_step, task_dt, trial_steps
from .base import Descriptor, Evaluation, Task, error_fitness

# Below this peak-to-peak amplitude a signal counts as constant (its "crossings" are rounding).
_FLAT = 1e-6


@njit(cache=True, error_model=ERROR_MODEL)
def _score(period, amplitude, diverged, target_period, target_amplitude):
    """The class docstring's errors, for every individual (a few numbers each: compiled, as
    NumPy's dozen calls would cost more than the rest of a small generation's Python).
    Sets `period` to NaN where the output is flat; returns ``|e_P|`` and the MSE (NaN for
    a diverged network, whose saturated outputs may look finite: the worst fitness)."""
    n_pop = period.shape[0]
    period_error = np.empty(n_pop)
    mse = np.empty(n_pop)
    for p in range(n_pop):
        if not amplitude[p] > _FLAT:
            period[p] = np.nan
        e_period = (period[p] - target_period) / target_period
        e_amplitude = (amplitude[p] - target_amplitude) / target_amplitude
        period_error[p] = abs(e_period)
        # Each squared error capped at 1, and 1 where it is NaN (no period, no amplitude).
        sq_period, sq_amplitude = e_period * e_period, e_amplitude * e_amplitude
        sq_period = sq_period if sq_period <= 1.0 else 1.0
        sq_amplitude = sq_amplitude if sq_amplitude <= 1.0 else 1.0
        mse[p] = np.nan if diverged[p] else 0.5 * (sq_period + sq_amplitude)
    return period_error, mse


class OscillatorTask(Task):
    r"""Evolve a central pattern generator: output `output` oscillates with `period` and `amplitude`.

    Each network runs from its initial state for `transient` time units, then for
    `measure` time units during which its output ``z(t)`` is recorded every step. The
    period is the mean spacing of upward crossings of the output's mean (linear
    interpolation between steps); the amplitude is the peak-to-peak range over the last
    third of the record. With relative errors :math:`e_P = (P - P^*) / P^*` and
    :math:`e_A = (A - A^*) / A^*`, each capped at 1 (a network that does not oscillate has
    :math:`e_P = 1`),

    .. math::

        \mathrm{MSE} = \tfrac12 \big(\min(e_P^2, 1) + \min(e_A^2, 1)\big), \qquad
        \mathrm{fitness} = \frac{1}{1 + \mathrm{MSE}}

    Metrics: ``"period"`` (NaN without oscillation), ``"amplitude"``, ``"period_error"``
    (:math:`|e_P|`, NaN without oscillation) and ``"mse"``. Behaviour descriptors (for
    quality-diversity search): the period, in ``[0, 3 period]``, and the amplitude, in
    ``[0, 1]``.

    Parameters
    ----------
    period : float
        Target period, in the model's time units.
    amplitude : float
        Target peak-to-peak amplitude of the output (CTRNN outputs lie in (0, 1)).
    output : int
        Which model output oscillates.
    dt : float
        Integration step (continuous models).
    transient, measure : float, optional
        Default 3 and 6 target periods.
    method : str
        Integrator; default RK4.

    Examples
    --------
    Beer's two-neuron oscillator has a period of about 29 time units:

    >>> import evornn
    >>> net = evornn.CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75])
    >>> ev = OscillatorTask(period=29.0, amplitude=0.9, dt=0.05).evaluate(net)
    >>> bool(ev.metrics["period_error"][0] < 0.02)
    True
    """

    def __init__(self, period: float, amplitude: float, *, output: int = 0, dt: float = 0.05,
                 transient: float | None = None, measure: float | None = None, method: str = "rk4"):
        self.period = positive_float("period", period)
        self.amplitude = positive_float("amplitude", amplitude)
        self.output = positive_int("output", output, minimum=0)
        self.dt = task_dt(dt)
        self.transient = 3 * self.period if transient is None else positive_float("transient", transient)
        self.measure = 6 * self.period if measure is None else positive_float("measure", measure)
        for name in ("transient", "measure"):  # steps of a continuous model, or of a map (time step 1)
            trial_steps(name, max(1, round(getattr(self, name) / min(self.dt, 1.0))),
                        what=f" ({name} / dt = {getattr(self, name):g} / {min(self.dt, 1.0):g})")
        if self.measure < 2 * self.period:
            raise ValueError(f"measure must cover at least two target periods ({2 * self.period:g}), got {self.measure:g}")
        self.method = method
        # For quality-diversity search: a repertoire of rhythms (a network that does not
        # oscillate has no period, and enters no archive).
        self.descriptors = (Descriptor("period", 0.0, 3 * self.period), Descriptor("amplitude", 0.0, 1.0))

    def check_model(self, model) -> None:
        self._check_sizes(model)
        check_step(model, self.dt)

    def _check_sizes(self, model) -> None:
        if self.output >= model.n_outputs:
            raise ValueError(f"output {self.output} does not exist: the model has {model.n_outputs} outputs")
        if model.n_inputs:
            raise ValueError(f"an oscillator is autonomous: the model must take no inputs, it takes {model.n_inputs}")

    def _steps(self, model) -> tuple[int, int, float]:
        dt = self.dt if model.time == "continuous" else 1.0
        return max(1, round(self.transient / dt)), max(3, round(self.measure / dt)), dt

    def _record(self, model):
        n_transient, n_measure, _ = self._steps(model)
        # One compiled call that records the scored output (no states) and measures it.
        return simulate_outputs(model, self.dt, n_transient, n_measure, [self.output], n_tail=(n_measure + 1) // 3,
                                method=self.method)

    def evaluate(self, model, rng=None) -> Evaluation:
        self._check_sizes(model)
        rec = self._record(model)
        period, amplitude = rec.period[:, 0], rec.span[:, 0]
        period_error, mse = _score(period, amplitude, rec.diverged, self.period, self.amplitude)
        metrics = {"period": period, "amplitude": amplitude, "period_error": period_error, "mse": mse}
        return Evaluation.from_raw(error_fitness(mse), metrics, worst_fitness=self.worst_fitness)

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """The output of individual 0 over the measured window, and the target: a sine of
        the target period and amplitude about the output's mean, whose phase is fitted to
        the output (least squares), as the score ignores phase."""
        one = model.take([0])
        t, z = self._record(one)[:2]
        z = z[:, :, 0]
        metrics = self.evaluate(one).metrics
        omega, tau = 2 * np.pi / self.period, t - t[0]
        centred = z[:, 0] - np.nanmean(z[:, 0])
        phase = np.arctan2(np.nansum(centred * np.cos(omega * tau)), np.nansum(centred * np.sin(omega * tau)))
        target = self.amplitude / 2 * np.sin(omega * tau + phase) + np.nanmean(z[:, 0])
        period = metrics["period"][0]
        return {"t": t, "outputs": z[:, :1], "target": target[:, None],
                "output_labels": [f"output {self.output}: period "
                                  + (f"{period:.4g}" if np.isfinite(period) else "none (no oscillation)")
                                  + f", amplitude {metrics['amplitude'][0]:.3g}"],
                "target_labels": [f"target: period {self.period:g}, amplitude {self.amplitude:g} (phase fitted)"]}
