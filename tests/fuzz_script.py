"""Property-based fuzzing of evornn's public entry points (run by tests/test_fuzz.py, one
subprocess per group, so that a crash of the interpreter fails a test instead of pytest).

Each group feeds malformed arrays, numbers and files to constructors, `simulate`,
`evolve`, tasks or loaders. Allowed outcomes: a result (with non-finite simulations
flagged, never silently wrong) or a ValueError/TypeError (evornn's ConfigError and
CheckpointError are ValueErrors) with a message. Anything else (another exception, a
crash, a hang) fails.

    python tests/fuzz_script.py models|simulate|evolve|tasks|loaders [max_examples]
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import evornn
from evornn.errors import StepSizeWarning

CLEAN = (ValueError, TypeError, FileNotFoundError)  # a missing file: what open() says

# Values a careless caller or a damaged file gives: ordinary numbers, extremes, NaN, inf.
FLOATS = st.one_of(st.floats(-10, 10), st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, np.nan, np.inf, -np.inf]))
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


@st.composite
def arrays(draw):
    """Arrays of any small shape and of the dtypes a caller might pass: floats with
    NaN/inf, integers, booleans, complex numbers, strings or objects."""
    kind = draw(st.sampled_from(["float", "float", "float", "int", "bool", "complex", "str", "object", "list"]))
    shape = draw(SHAPES)
    if kind == "float":
        return draw(hnp.arrays(np.float64, shape, elements=FLOATS))
    if kind == "int":
        return draw(hnp.arrays(np.int64, shape, elements=st.integers(-5, 5)))
    if kind == "bool":
        return draw(hnp.arrays(np.bool_, shape))
    if kind == "complex":
        return draw(hnp.arrays(np.complex128, shape, elements=st.complex_numbers(max_magnitude=10, allow_nan=False)))
    if kind == "str":
        return np.full(shape, "x")
    if kind == "object":
        return np.full(shape, None, dtype=object)
    return draw(st.lists(st.one_of(FLOATS, st.lists(FLOATS, max_size=3)), max_size=3))


def damaged(data, base) -> object:
    """`base` damaged: replaced by any array, or with one entry replaced by an extreme, NaN
    or inf, or cast to another dtype, or with an axis dropped or added."""
    base = np.asarray(base)
    how = data.draw(st.sampled_from(["replace", "entry", "entry", "dtype", "axes"]))
    if how == "replace" or base.size == 0:
        return data.draw(arrays())
    if how == "entry":
        out = base.astype(np.float64) if base.dtype.kind != "f" else base.copy()
        out.flat[data.draw(st.integers(0, base.size - 1))] = data.draw(FLOATS)
        whole = base.dtype.kind in "iub" and np.isfinite(out).all() and np.abs(out).max() < 2**31
        return out.astype(base.dtype) if whole else out
    if how == "dtype":
        return base.astype(data.draw(st.sampled_from([np.complex128, np.int64, np.bool_, np.float32, object])))
    return base[..., 0] if data.draw(st.booleans()) and base.ndim > 1 else base[None]


def allowed(call) -> object:
    """Run `call`; return its result, None for a clean error; anything else propagates."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except CLEAN as exc:
        assert str(exc), f"an error without a message: {exc!r}"
        return None


def check_trajectory(traj) -> None:
    """A simulation either stays finite or says it diverged."""
    finite = np.isfinite(traj.y).all(axis=(0, 2))
    assert np.all(finite | traj.diverged | ~traj.success), "a non-finite trajectory not flagged"


def run_group(name: str, max_examples: int) -> None:
    configured = settings(max_examples=max_examples, derandomize=True, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
    for test in GROUPS[name]:
        configured(test)()
        print(f"{name}: {test.__name__} passed {max_examples} examples", flush=True)


# ------------------------------------------------------------------ models
@given(arrays(), arrays(), arrays(), arrays(), arrays())
def ctrnn_constructor(weights, tau, bias, gain, input_weights):
    net = allowed(lambda: evornn.CTRNN(weights, tau=tau, bias=bias, gain=gain, input_weights=input_weights))
    if net is not None:
        check_trajectory(evornn.simulate(net, dt=0.01, n_steps=3))


@given(st.sampled_from(["Elman", "Jordan", "FullyRecurrent", "IndRNN", "GRU", "LSTM", "SecondOrder"]),
       st.lists(arrays(), min_size=7, max_size=7))
def rnn_constructors(kind, values):
    from evornn import models

    cls = getattr(models, kind)
    fields = cls.params_type._fields
    net = allowed(lambda: cls(**dict(zip(fields, values, strict=False))))
    if net is not None:
        check_trajectory(evornn.simulate(net, n_steps=3))


@given(arrays(), arrays(), arrays(), arrays(), arrays())
def esn_from_weights(weights, input_weights, bias, leak, readout):
    esn = allowed(lambda: evornn.ESN.from_weights(weights, input_weights, bias, leak=leak, readout=readout))
    if esn is not None:
        out = allowed(lambda: esn.predict(np.ones((4, esn.n_external_inputs))))
        assert out is None or out.shape[-2:] == (4, esn.n_outputs)


@given(arrays(), arrays(), arrays())
def hopfield_bam_memristive(weights, other, edges):
    from evornn.models import Circuit, MemristiveCircuit

    for make in (lambda: evornn.Hopfield(weights, threshold=other), lambda: evornn.BAM(weights),
                 lambda: evornn.ContinuousHopfield(weights, current=other),
                 lambda: MemristiveCircuit(Circuit(edges), sources=other)):
        model = allowed(make)
        if model is not None:
            y0 = model.initial_state()
            kwargs = {"dt": 0.01} if model.time == "continuous" else {}
            check_trajectory(evornn.simulate(model, y0, n_steps=2, **kwargs))


NUMBERS = st.one_of(FLOATS, st.integers(-3, 40), st.none(), st.text(max_size=2), st.booleans())


@given(st.sampled_from(["CTRNN", "Elman", "Jordan", "FullyRecurrent", "IndRNN", "GRU", "LSTM", "SecondOrder", "NARX",
                        "RMLP"]), st.integers(0, 7), st.data())
def rnn_with_one_field_damaged(kind, which, data):
    """A well-formed network of each discrete kind with one field damaged."""
    from evornn import models

    if kind == "CTRNN":
        cls, fields = evornn.CTRNN, evornn.CTRNN.random(2, 3, n_inputs=2, rng=0).params._asdict()
    else:
        cls = getattr(models, kind)
        fields = cls.random(2, 3, 2, 1, rng=0).params._asdict()
    name = list(fields)[which % len(fields)]
    fields[name] = damaged(data, fields[name])
    net = allowed(lambda: cls(**fields))
    if net is not None:
        check_trajectory(evornn.simulate(net, n_steps=3, inputs=np.ones((3, net.n_pop, net.n_inputs)),
                                         **({"dt": 0.05} if net.time == "continuous" else {})))


LSM_ARGUMENTS = ("w", "w_in", "inhibitory", "i_bias", "tau_m", "r_m", "v_rest", "v_thresh", "v_reset", "t_ref",
                 "syn", "w_out", "b_out", "tau_e", "dt", "dynamic")


@given(st.sampled_from(LSM_ARGUMENTS), st.data())
def lsm_with_one_argument_damaged(name, data):
    """Two of Maass's columns rebuilt from their arrays with one argument damaged."""
    from evornn.models import LSM

    base = LSM.column(2, shape=(3, 3, 2), rng=0).params._asdict()
    value = damaged(data, base[name]) if name in base else data.draw(st.one_of(arrays(), NUMBERS))
    kwargs = {k: base[k] for k in LSM_ARGUMENTS[3:13]}
    kwargs.update(dynamic=True, tau_e=3.0, dt=0.5)
    args = [base["w"], base["w_in"], base["inhibitory"]]
    if name in LSM_ARGUMENTS[:3]:
        args[LSM_ARGUMENTS.index(name)] = value
    else:
        kwargs[name] = value
    lsm = allowed(lambda: LSM(*args, **kwargs))
    if lsm is not None:
        check_trajectory(evornn.simulate(lsm, n_steps=3, inputs=np.ones((3, lsm.n_pop, lsm.n_inputs))))


@given(st.sampled_from(["neat", "recursive"]), st.integers(0, 7), st.data())
def structure_models_with_one_field_damaged(kind, which, data):
    """A padded NEAT population and a recursive network with one field damaged."""
    from evornn.models import NEATNetwork, RecursiveNet
    from evornn.neat import NEATCodec

    if kind == "neat":
        codec = NEATCodec(2, 1)
        fields = codec.decode(codec.random(3, rng=0)).params._asdict()
        cls = NEATNetwork
    else:
        fields = RecursiveNet.random(2, 3, 2, rng=0).params._asdict()
        cls = RecursiveNet
    name = list(fields)[which % len(fields)]
    fields[name] = damaged(data, fields[name])
    net = allowed(lambda: cls(*fields.values()))
    if net is not None and kind == "neat":
        check_trajectory(evornn.simulate(net, n_steps=3, inputs=np.ones((3, net.n_pop, net.n_inputs))))


@given(st.sampled_from(["ENTM", "NTM", "NeuralStack"]), st.sampled_from(["elman", "ctrnn", "junk"]),
       st.sampled_from(["n_outputs", "size", "squash", "none"]), NUMBERS, arrays())
def memory_network_constructors(kind, controller, damaged, value, inputs):
    """A memory network sized right (2 external outputs, a memory of 2) with its controller
    or one argument damaged, then run on well-formed and on malformed inputs."""
    from evornn import models

    cls = getattr(models, kind)
    size = "n_slots" if kind == "NTM" else "width"
    kwargs = {"n_outputs": 2, size: 2} if kind != "NTM" else {"n_outputs": 2, "n_slots": 4, "width": 2}
    if kind != "NTM":
        kwargs["squash"] = True
    n_in, n_out = cls.controller_size(3, 2, 2)
    made = {"elman": lambda: models.Elman.random(2, 5, n_in, n_out, rng=0),
            "ctrnn": lambda: evornn.CTRNN.random(2, 3, rng=0), "junk": lambda: np.zeros((2, 3))}[controller]()
    if damaged != "none" and (damaged != "squash" or kind != "NTM"):
        kwargs[size if damaged == "size" else damaged] = value
    memory = allowed(lambda: cls(made, **kwargs))
    if memory is not None:
        out = memory.run(np.zeros((5, memory.n_pop, memory.n_inputs)))
        assert out.shape == (5, memory.n_pop, 2)
        allowed(lambda: memory.run(inputs))


@given(st.one_of(st.integers(1, 4), NUMBERS), st.one_of(st.integers(1, 3), NUMBERS), st.dictionaries(
    st.sampled_from(["max_nodes", "max_connections", "num_hidden", "activation", "initial_connection", "model",
                     "weight_range", "tau_range"]), st.one_of(NUMBERS, st.tuples(FLOATS, FLOATS)), max_size=3))
def neat_codec_constructor(n_inputs, n_outputs, options):
    from evornn.neat import NEATCodec

    codec = allowed(lambda: NEATCodec(n_inputs, n_outputs, **options))
    if codec is not None:
        net = codec.decode(codec.random(3, rng=0))
        check_trajectory(evornn.simulate(net, n_steps=3, inputs=np.ones((3, net.n_pop, net.n_inputs)),
                                         **({"dt": 0.05} if net.time == "continuous" else {})))


# ------------------------------------------------------------------ simulate
def _net():
    return evornn.CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75], input_weights=[[1.0], [0.5]])


@given(arrays(), st.one_of(FLOATS, st.integers(-3, 3), st.none()), st.one_of(st.integers(-2, 50), FLOATS, st.none()),
       st.sampled_from(["euler", "heun", "rk4", "RK45", "LSODA", "BDF", "nonsense"]), arrays(),
       st.one_of(st.integers(-1, 5), FLOATS))
def simulate_arguments(y0, dt, n_steps, method, inputs, record_every):
    traj = allowed(lambda: evornn.simulate(_net(), y0, dt=dt, n_steps=n_steps, method=method, inputs=inputs,
                                           record_every=record_every))
    if traj is not None:
        check_trajectory(traj)


@given(st.floats(-1e6, 1e6), st.sampled_from(["rk4", "RK45", "LSODA", "BDF", "Radau"]))
def simulate_callable_inputs(scale, method):
    def drive(t):
        return np.full((1, 1), np.nan if t > 0.05 and scale < 0 else scale * t)

    traj = allowed(lambda: evornn.simulate(_net(), dt=0.05, n_steps=4, method=method, inputs=drive, max_nfev=20_000))
    if traj is not None:
        check_trajectory(traj)


# ------------------------------------------------------------------ evolve
def _problem():
    return evornn.Problem(evornn.CTRNN.codec(1, bias_range=(-2, 2)),
                          evornn.tasks.OscillatorTask(period=2.0, amplitude=0.5, transient=0.5, measure=4.0, dt=0.05))


@given(st.sampled_from(["ga", "sa", "pso", "cmaes", "nsga2", "other"]), st.one_of(st.integers(-2, 6), FLOATS),
       st.one_of(st.integers(-2, 3), FLOATS), st.dictionaries(
           st.sampled_from(["sigma", "tournament_size", "n_elite", "crossover", "mutation_prob", "inertia",
                            "t_initial", "mu", "unknown"]),
           st.one_of(FLOATS, st.integers(-3, 8), st.text(max_size=3)), max_size=2),
       st.one_of(st.none(), st.integers(-1, 3), st.booleans(), FLOATS))
def evolve_arguments(method, n_pop, n_generations, options, rng):
    result = allowed(lambda: evornn.evolve(_problem(), method, n_pop=n_pop, n_generations=n_generations, rng=rng,
                                           progress=False, **options))
    if result is not None:
        assert np.isfinite(result.best_genome).all()


NEWER_METHOD_OPTIONS = {
    "openai_es": ("sigma", "learning_rate", "optimizer", "momentum", "weight_decay", "centroid", "evaluate_center"),
    "pgpe": ("sigma", "max_speed", "center_learning_rate", "sigma_learning_rate", "sigma_max_change", "optimizer"),
    "snes": ("sigma", "mean_learning_rate", "sigma_learning_rate", "centroid"),
    "xnes": ("sigma", "mean_learning_rate", "sigma_learning_rate", "shape_learning_rate"),
    "sep_cmaes": ("sigma", "mu", "centroid"),
    "map_elites": ("archive", "cells", "descriptors", "variation", "sigma", "sigma_iso", "sigma_line", "qd_offset"),
    "cma_me": ("emitters", "sigma", "selection", "archive", "cells", "descriptors", "qd_offset"),
    "novelty": ("k", "archive_add", "threshold", "add_probability", "objective", "weight", "descriptors", "sigma"),
    "neat": ("compatibility_threshold", "species_target", "elitism", "survival_threshold", "crossover_rate",
             "crossover_average_prob", "node_add_prob", "conn_add_prob", "perturbation", "weight_mutate_power",
             "max_stagnation", "objective", "population_stagnation"),
}


@given(st.sampled_from(sorted(NEWER_METHOD_OPTIONS)), st.data(), st.one_of(st.integers(4, 12), st.integers(-2, 3), FLOATS))
def newer_methods(method, data, n_pop):
    """The evolution strategies, quality-diversity, novelty search and NEAT with one or two
    options given a careless value (lists, strings, extremes, NaN) and careless sizes."""
    names = NEWER_METHOD_OPTIONS[method]
    options = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(
        NUMBERS, st.lists(FLOATS, max_size=3), st.sampled_from(["grid", "cvt", "adam", "sgd", "uniform", "novelty"])),
        max_size=2))
    if method == "neat":
        from evornn.neat import NEATCodec

        problem = evornn.Problem(NEATCodec(0, 1, model="ctrnn", max_nodes=6, max_connections=12),
                                 _problem().task)
    else:
        problem = _problem()
    result = allowed(lambda: evornn.evolve(problem, method, n_pop=n_pop, n_generations=2, rng=0, progress=False,
                                           **options))
    if result is not None:
        assert np.isfinite(result.best_genome).all()


# ------------------------------------------------------------------ tasks
@given(FLOATS, FLOATS, st.one_of(FLOATS, st.none()), st.one_of(FLOATS, st.none()), st.integers(-1, 3))
def oscillator_task(period, amplitude, dt, measure, output):
    task = allowed(lambda: evornn.tasks.OscillatorTask(period, amplitude, dt=0.05 if dt is None else dt,
                                                       measure=measure, output=output))
    if task is not None and task.measure / task.dt < 2000 and task.transient / task.dt < 2000:
        net = evornn.CTRNN.random(3, 2, rng=0)
        evaluation = allowed(lambda: task.evaluate(net))
        assert evaluation is None or np.isfinite(evaluation.fitness).all()


@given(arrays(), arrays(), st.one_of(FLOATS, st.integers(-1, 3)))
def sequence_and_timeseries_tasks(inputs, targets, number):
    from evornn.tasks import SequenceTask, TimeSeriesTask

    for make in (lambda: SequenceTask(inputs, targets, dt=number if number else 0.05),
                 lambda: TimeSeriesTask(inputs, targets, n_train=number, washout=0)):
        task = allowed(make)
        if task is not None:
            assert task is not None


@given(st.sampled_from(["cartpole", "walker", "categorize", "phototaxis"]), st.one_of(FLOATS, st.integers(-2, 5)))
def body_tasks(kind, value):
    from evornn.tasks import CartPoleTask, CategorizationTask, WalkerTask, WheeledRobotTask

    make = {"cartpole": lambda: CartPoleTask(n_poles=value), "walker": lambda: WalkerTask(n_legs=value),
            "categorize": lambda: CategorizationTask(n_positions=value),
            "phototaxis": lambda: WheeledRobotTask(n_trials=value)}[kind]
    allowed(make)


TASK_OPTIONS = {
    "xor": ("bias_input", "steps", "controller_dt", "fitness"),
    "long_gap": ("gap", "n_train", "n_test", "washout", "seed"),
    "maze": ("maze", "max_steps", "controller_dt", "method"),
    "gym": ("n_episodes", "max_steps", "num_envs", "vectorization", "action_map", "obs_scale", "action_repeat",
            "controller_dt", "fitness", "worst_fitness", "obs_norm"),
    "copy": ("n_seq", "width", "length", "test_length", "start", "tolerance"),
    "parity": ("order", "delay", "n_seq", "n_steps", "tolerance"),
    "reber": ("n_strings", "embedded", "tolerance", "penultimate_weight", "score"),
    "anbncn": ("n_train", "n_test", "max_n", "tolerance"),
}


@given(st.sampled_from(sorted(TASK_OPTIONS)), st.data())
def newer_tasks(kind, data):
    """The newer tasks with one or two options given a careless value; those that build
    score a small population (or say clearly why it does not fit)."""
    from evornn.tasks import GymTask, LongGapTask, MazeTask, SequenceTask, XORTask

    names = TASK_OPTIONS[kind]
    options = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(NUMBERS, st.tuples(NUMBERS, NUMBERS)),
                                        max_size=2))
    if kind in ("long_gap", "copy", "parity", "reber", "anbncn") and any(
            isinstance(v, int) and not isinstance(v, bool) and v > 12 for v in options.values()):
        return  # a valid large size: a long run, not a malformed input
    make = {"xor": lambda: XORTask(**options), "long_gap": lambda: LongGapTask(**options),
            "maze": lambda: MazeTask(**options), "gym": lambda: GymTask("CartPole-v1", **options),
            "copy": lambda: SequenceTask.copy(**options), "parity": lambda: SequenceTask.parity(**options),
            "reber": lambda: SequenceTask.reber(**options), "anbncn": lambda: SequenceTask.anbncn(**options)}[kind]
    task = allowed(make)
    if task is not None and kind in ("xor", "maze", "gym", "copy", "parity"):
        n_in = {"xor": 3 if options.get("bias_input", True) else 2, "maze": 10, "gym": 4}.get(
            kind, getattr(task, "n_inputs", 1))
        n_out = {"xor": 1, "maze": 2, "gym": 2}.get(kind) or task.targets.shape[-1]
        net = evornn.CTRNN.random(2, max(int(n_out), 1) + 1, n_inputs=int(n_in), rng=0)
        evaluation = allowed(lambda: task.evaluate(net, np.random.default_rng(0)))
        assert evaluation is None or np.isfinite(evaluation.fitness).all()


# ------------------------------------------------------------------ loaders
def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="evornn-fuzz-"))


@given(st.binary(max_size=600), st.text(max_size=300))
def files_of_bytes_and_text(data, text):
    from evornn import config
    from evornn.optim import checkpoint

    folder = _folder()
    for suffix, content in ((".npz", data), (".json", data), (".ns", data), (".toml", data), (".ns", text.encode()),
                            (".toml", text.encode())):
        path = folder / f"f{suffix}"
        path.write_bytes(content)
        loaders = {".npz": [lambda p=path: evornn.ESN.load(p), lambda p=path: checkpoint.load(p)],
                   ".json": [lambda p=path: evornn.ESN.load(p)], ".ns": [lambda p=path: evornn.CTRNN.from_ns(p)],
                   ".toml": [lambda p=path: config.load(p)]}[suffix]
        for load in loaders:
            allowed(load)


ESN_FILE = None


@given(st.sampled_from(["indptr", "indices", "data", "input_weights", "bias", "feedback_weights", "leak", "readout",
                        "readout_bias", "linear", "ridge", "state_"]), arrays())
def esn_files_with_one_field_changed(field, value):
    global ESN_FILE
    if ESN_FILE is None:
        esn = evornn.ESN.random(12, rng=0).fit(np.ones((30, 1)), np.ones((30, 1)))
        ESN_FILE = esn.save(_folder() / "esn.npz")
    arrays_ = dict(np.load(ESN_FILE))
    path = _folder() / "esn.npz"
    (path.with_suffix(".json")).write_bytes(ESN_FILE.with_suffix(".json").read_bytes())
    try:
        value = np.asarray(value)
    except ValueError:  # a ragged list: what np.savez cannot write either
        value = np.zeros(3)
    arrays_[field] = value if value.dtype != object else np.zeros(3)
    np.savez(path, **arrays_)
    esn = allowed(lambda: evornn.ESN.load(path))
    if esn is not None:
        out = esn.predict(np.ones((3, esn.n_external_inputs)))
        assert out.shape == (esn.n_pop, 3, esn.n_outputs)


@given(st.sampled_from(["manifest.json", "config.toml", "best.json", "best.npz", "history.csv", "checkpoint.npz"]),
       st.binary(max_size=300))
def run_directories_with_one_file_damaged(name, data):
    import shutil

    source = RUN_DIR[0]
    folder = _folder() / "run"
    shutil.copytree(source, folder)
    (folder / name).write_bytes(data)
    allowed(lambda: evornn.load_run(folder))
    from evornn.experiment import summary

    allowed(lambda: summary(folder))


RUN_DIR: list[Path] = []


def _finished_run() -> Path:
    from evornn.experiment import run

    folder = _folder()
    (folder / "e.toml").write_text('[experiment]\nname = "f"\nseed = 1\n[model]\ntype = "ctrnn"\nn_neurons = 1\n'
                                   '[task]\ntype = "oscillator"\nperiod = 2.0\namplitude = 0.5\ndt = 0.05\n'
                                   'transient = 0.5\nmeasure = 4.0\n[evolve]\nmethod = "ga"\nn_pop = 4\n'
                                   'n_generations = 2\n')
    return run(folder / "e.toml", out=folder / "run", progress=False)


GROUPS = {
    "models": [ctrnn_constructor, rnn_constructors, esn_from_weights, hopfield_bam_memristive, rnn_with_one_field_damaged,
               lsm_with_one_argument_damaged, structure_models_with_one_field_damaged, memory_network_constructors,
               neat_codec_constructor],
    "simulate": [simulate_arguments, simulate_callable_inputs],
    "evolve": [evolve_arguments, newer_methods],
    "tasks": [oscillator_task, sequence_and_timeseries_tasks, body_tasks, newer_tasks],
    "loaders": [files_of_bytes_and_text, esn_files_with_one_field_changed, run_directories_with_one_file_damaged],
}

if __name__ == "__main__":
    warnings.simplefilter("ignore", StepSizeWarning)
    group = sys.argv[1]
    if group == "loaders":
        os.environ.setdefault("MPLBACKEND", "Agg")
        RUN_DIR.append(_finished_run())
    run_group(group, int(sys.argv[2]) if len(sys.argv) > 2 else 40)
