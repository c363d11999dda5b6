"""SIMD lanes for the closed loop of bodies: a block of trials with the trial innermost, so
that every loop over the block's lanes compiles to vector code.

A body offers lanes by registering lane forms of its kernels
(:func:`evornn.tasks.body.register_body_lanes`, which fills :data:`_BODY_LANES`);
a model offers them through the model interface (:class:`evornn._kernels.Lanes`, the CTRNN
does). When both do, :func:`run_trials_lanes` runs the block in SIMD instructions (the
controller's sigmoid and the body's sines included), and a lane whose trial ends takes the
next at once. Neither side knows the other's type: the loop calls both through their
registries. :func:`evornn.tasks.body.run_body` chooses it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.extending import overload

from .._kernels import lane_drive, lane_load, lane_output, lookup_kernel
from .._numba import ERROR_MODEL, FASTMATH, cast

_BODY_LANES: dict[type, dict[str, object]] = {}


def _lane_body_kernel(params_numba_type, name):
    return lookup_kernel(_BODY_LANES, params_numba_type, name, "body lane kernels")


def body_reset_lane(body, p, trial, draws, state, lane):
    """Stub: the registered lane ``reset`` of ``type(body)`` (compiled code only)."""
    raise NotImplementedError("body_reset_lane is only callable from Numba-compiled code")


def body_sense_lanes(body, state, u):
    """Stub: the registered lane ``sense`` of ``type(body)`` (compiled code only)."""
    raise NotImplementedError("body_sense_lanes is only callable from Numba-compiled code")


def body_act_lanes(body, state, z, dt, ok, reward, scratch):
    """Stub: the registered lane ``act`` of ``type(body)`` (compiled code only)."""
    raise NotImplementedError("body_act_lanes is only callable from Numba-compiled code")


def body_done_lanes(body, state, out):
    """Stub: the registered lane ``done`` of ``type(body)`` (compiled code only)."""
    raise NotImplementedError("body_done_lanes is only callable from Numba-compiled code")


@overload(body_reset_lane, inline="always")
def _reset_lane_overload(body, p, trial, draws, state, lane):
    kernel = _lane_body_kernel(body, "reset")

    def impl(body, p, trial, draws, state, lane):
        kernel(body, p, trial, draws, state, lane)

    return impl


@overload(body_sense_lanes, inline="always")
def _sense_lanes_overload(body, state, u):
    kernel = _lane_body_kernel(body, "sense")

    def impl(body, state, u):
        kernel(body, state, u)

    return impl


@overload(body_act_lanes, inline="always")
def _act_lanes_overload(body, state, z, dt, ok, reward, scratch):
    kernel = _lane_body_kernel(body, "act")

    def impl(body, state, z, dt, ok, reward, scratch):
        kernel(body, state, z, dt, ok, reward, scratch)

    return impl


@overload(body_done_lanes, inline="always")
def _done_lanes_overload(body, state, out):
    kernel = _lane_body_kernel(body, "done")

    def impl(body, state, out):
        kernel(body, state, out)

    return impl


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _load_trial(params, y0, body, draws, task, n_pop, work, b, lane, y, state):
    """Trial `task` (individual ``task % n_pop``, trial ``task // n_pop``) into `lane`."""
    p, s = task % n_pop, task // n_pop
    lane_load(params, p, y0, work, b, lane, y)
    body_reset_lane(body, p, s, draws[s], state, lane)


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def run_trials_lanes(params, work, width, n_jobs, y0, controller_dt, n_outputs, n_motors, n_inputs, body, draws,
                     max_steps, dt, steps_out, reward_out, state_out, diverged_out):
    """:func:`run_trials` in SIMD lanes: block `job` of `work` (the model's lane layout)
    runs the tasks ``job, job + n_jobs, ...`` (task ``s * n_pop + p``) `width` at a time,
    the trial innermost, and a lane whose trial ends takes the next task at once. The
    controller takes Euler steps of `controller_dt`; `n_motors` outputs are checked for
    divergence. Each trial's arithmetic is the same in any lane, so results do not depend
    on the number of blocks or threads. The final state of a diverged trial is
    unspecified. Numba-compiled; writes into the ``*_out`` arrays; no validation."""
    n_pop, n = y0.shape
    n_tasks = n_pop * draws.shape[0]
    n_body = state_out.shape[2]
    for job in prange(n_jobs):
        y = np.zeros(n * width, y0.dtype)  # the controller's precision (float64, or float32)
        dy = np.empty_like(y)
        z = np.empty(n_outputs * width, y0.dtype)
        z2 = z.reshape((n_outputs, width))
        u = np.empty(n_inputs * width, y0.dtype)
        u2 = u.reshape((n_inputs, width))  # indexed by the lane alone, so that loads vectorise
        state = np.zeros((n_body, width))
        scratch = np.zeros((n_body, width))
        reward = np.zeros(width)
        check = np.zeros(width)
        ok = np.zeros(width, dtype=np.bool_)
        ended = np.zeros(width, dtype=np.bool_)
        steps = np.zeros(width, dtype=np.int64)
        total = np.zeros(width)
        trial = np.full(width, -1, dtype=np.int64)
        taken = 0  # tasks this block has started: the next is job + taken * n_jobs
        n_busy = 0
        for lane in range(width):
            if job + taken * n_jobs < n_tasks:
                _load_trial(params, y0, body, draws, job + taken * n_jobs, n_pop, work, job, lane, y, state)
                trial[lane] = job + taken * n_jobs
                taken += 1
                n_busy += 1
        fresh = True
        while n_busy > 0:
            body_sense_lanes(body, state, u2)
            # z holds the outputs of y: each step computes them once, for the motors now
            # and (the CTRNN's firing rates) for the derivative in the next step.
            if fresh:
                lane_output(y, work, job, z)
            lane_drive(y, z, work, job, u, dy)
            h = cast(controller_dt, y)
            for q in range(n * width):
                y[q] += h * dy[q]
            lane_output(y, work, job, z)
            fresh = False
            # A lane is ok if it runs a trial and its motors are finite: summed as z * 0
            # (NaN for a NaN or infinite z) in floats, whose loops vectorise without the
            # packing and unpacking of booleans, and turned into booleans once.
            for lane in range(width):
                check[lane] = 0.0 if trial[lane] >= 0 else np.nan
                reward[lane] = 0.0
            for q in range(n_motors):
                for lane in range(width):
                    check[lane] += z2[q, lane] * 0.0
            for lane in range(width):
                ok[lane] = check[lane] == 0.0
            body_act_lanes(body, state, z2, dt, ok, reward, scratch)
            body_done_lanes(body, state, ended)
            any_ended = False
            for lane in range(width):
                good = ok[lane] & np.isfinite(reward[lane])
                total[lane] += reward[lane] if good else 0.0
                steps[lane] += 1 if good else 0
                end = (trial[lane] >= 0) & (~good | (steps[lane] >= max_steps) | ended[lane])
                ended[lane] = end
                any_ended |= end
            if not any_ended:
                continue
            for lane in range(width):
                if not ended[lane]:
                    continue
                p, s = trial[lane] % n_pop, trial[lane] // n_pop
                steps_out[p, s] = steps[lane]
                reward_out[p, s] = total[lane]
                diverged_out[p, s] = not (ok[lane] and np.isfinite(reward[lane]))
                for r in range(n_body):
                    state_out[p, s, r] = state[r, lane]
                steps[lane] = 0
                total[lane] = 0.0
                if job + taken * n_jobs < n_tasks:
                    _load_trial(params, y0, body, draws, job + taken * n_jobs, n_pop, work, job, lane, y, state)
                    trial[lane] = job + taken * n_jobs
                    taken += 1
                    fresh = True
                else:
                    trial[lane] = -1
                    n_busy -= 1
