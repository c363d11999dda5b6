"""Sequence models built from causal models: stacks, bidirectional pairs and
encoder-decoder pairs.

Bidirectional and encoder-decoder configurations are not causal step by step, so they are
not :class:`~evornn.models.base.Model` s. They share this small interface instead:
``run(inputs) -> outputs``. Inputs have shape ``(n_steps, n_pop, n_inputs)`` (or
``(n_steps, n_inputs)``, shared by the population), and outputs have shape
``(n_out_steps, n_pop, n_outputs)``. Each part is an evornn model population, simulated
with :func:`evornn.simulate` (discrete models step once per input; continuous ones take
`dt`). :func:`sequence_codec` joins the parts' codecs, so `evolve` works unchanged.
"""

from __future__ import annotations

import copy

import numpy as np

from .._checks import as_float_array, positive_int


def _simulate(model, inputs, y0=None, dt=None):
    from ..integrate.simulate import simulate_quietly

    traj = simulate_quietly(model, dt, y0=y0, inputs=inputs)
    return traj


def _inputs(model_n_pop: int, n_inputs: int, inputs) -> np.ndarray:
    u = as_float_array("inputs", inputs)
    if u.ndim == 2:
        u = np.broadcast_to(u[:, None, :], (u.shape[0], model_n_pop, u.shape[1]))
    if u.ndim != 3 or u.shape[1:] != (model_n_pop, n_inputs):
        raise ValueError(f"inputs must have shape (n_steps, {n_inputs}) or (n_steps, n_pop, {n_inputs}) with "
                         f"n_pop = {model_n_pop}, got {np.shape(inputs)}")
    return np.ascontiguousarray(u)


def _same_population(parts) -> int:
    sizes = {part.n_pop for part in parts}
    if len(sizes) != 1:
        raise ValueError(f"every part must hold the same number of networks, got {sorted(sizes)}")
    return sizes.pop()


class SequenceModel:
    """Maps an input sequence to an output sequence; see the module docstring."""

    parts: tuple
    dt: float | None
    #: Not causal step by step: tasks run the whole sequence through :meth:`run`.
    time = "sequence"

    @property
    def n_pop(self) -> int:
        return self.parts[0].n_pop

    def take(self, indices):
        """The configuration of the networks at `indices` of every part."""
        out = copy.copy(self)
        out.parts = tuple(part.take(indices) for part in self.parts)
        return out

    @property
    def n_inputs(self) -> int:
        return self.parts[0].n_inputs

    def run(self, inputs) -> np.ndarray:
        raise NotImplementedError


class Stack(SequenceModel):
    """Layers run one after the other: the output sequence of layer l is the input sequence
    of layer l + 1 (each layer's outputs must match the next layer's inputs)."""

    def __init__(self, layers, *, dt: float | None = None):
        self.parts = tuple(layers)
        if not self.parts:
            raise ValueError("a stack needs at least one layer")
        _same_population(self.parts)
        for k, (a, b) in enumerate(zip(self.parts, self.parts[1:], strict=False)):
            if a.n_outputs != b.n_inputs:
                raise ValueError(f"layer {k} has {a.n_outputs} outputs but layer {k + 1} takes {b.n_inputs} inputs")
        self.dt = dt

    @property
    def n_outputs(self) -> int:
        return self.parts[-1].n_outputs

    def run(self, inputs) -> np.ndarray:
        signal = _inputs(self.n_pop, self.n_inputs, inputs)
        diverged = np.zeros(self.n_pop, dtype=bool)
        for layer in self.parts:
            traj = _simulate(layer, signal, dt=self.dt)
            signal = np.ascontiguousarray(traj.outputs[1:])  # the output after each input
            # A layer that blew up feeds zeros on, and its networks' outputs end as NaN.
            diverged |= traj.diverged | ~np.isfinite(signal).all(axis=(0, 2))
            signal[:, diverged] = 0.0
        signal[:, diverged] = np.nan
        return signal


class Bidirectional(SequenceModel):
    """A forward and a backward network over the same inputs; the output at step t is
    ``[forward(t), backward(t)]``, the backward network having read the sequence from its end
    down to t."""

    def __init__(self, forward, backward, *, dt: float | None = None):
        self.parts = (forward, backward)
        _same_population(self.parts)
        if forward.n_inputs != backward.n_inputs:
            raise ValueError(f"forward and backward networks must take the same inputs, got {forward.n_inputs} "
                             f"and {backward.n_inputs}")
        self.dt = dt

    @property
    def n_outputs(self) -> int:
        return self.parts[0].n_outputs + self.parts[1].n_outputs

    def run(self, inputs) -> np.ndarray:
        u = _inputs(self.n_pop, self.n_inputs, inputs)
        ahead = _simulate(self.parts[0], u, dt=self.dt).outputs[1:]
        behind = _simulate(self.parts[1], np.ascontiguousarray(u[::-1]), dt=self.dt).outputs[1:][::-1]
        return np.concatenate([ahead, behind], axis=2)


class EncoderDecoder(SequenceModel):
    """The encoder reads the input sequence; its final state is the decoder's initial state
    (so both must have the same state size); the decoder then runs `n_out_steps` steps on zero
    inputs (or on `decoder_inputs`)."""

    def __init__(self, encoder, decoder, n_out_steps: int, *, dt: float | None = None):
        self.parts = (encoder, decoder)
        _same_population(self.parts)
        if encoder.n_state != decoder.n_state:
            raise ValueError(f"the encoder's final state initialises the decoder: their state sizes must agree, "
                             f"got {encoder.n_state} and {decoder.n_state}")
        self.n_out_steps = positive_int("n_out_steps", n_out_steps)
        self.dt = dt

    @property
    def n_outputs(self) -> int:
        return self.parts[1].n_outputs

    def run(self, inputs, decoder_inputs=None) -> np.ndarray:
        encoder, decoder = self.parts
        u = _inputs(self.n_pop, self.n_inputs, inputs)
        encoded = _simulate(encoder, u, dt=self.dt)
        state = np.where(encoded.diverged[:, None], 0.0, encoded.y_final)  # NaN outputs below
        if decoder_inputs is None:
            v = np.zeros((self.n_out_steps, self.n_pop, decoder.n_inputs))
        else:
            v = _inputs(self.n_pop, decoder.n_inputs, decoder_inputs)
            if v.shape[0] != self.n_out_steps:
                raise ValueError(f"decoder_inputs must have {self.n_out_steps} steps, got {v.shape[0]}")
        out = np.ascontiguousarray(_simulate(decoder, v, y0=state, dt=self.dt).outputs[1:])
        out[:, encoded.diverged] = np.nan
        return out


def sequence_codec(kind, codecs, **options):
    """One codec over the genes of every part: ``kind`` is ``Stack``, ``Bidirectional`` or
    ``EncoderDecoder``; `codecs` the parts' codecs in order; `options` go to the
    configuration (``n_out_steps``, ``dt``). Genes are the parts' genes, part by part."""
    import functools

    from ..genome import Codec

    fields = {}
    for k, codec in enumerate(codecs):
        for name, spec in codec.fields.items():
            fields[f"part{k}.{name}"] = spec
    return Codec(functools.partial(_build_sequence, kind, tuple(codecs), options), fields)


def _build_sequence(kind, codecs, options, **arrays):
    parts = []
    for k, codec in enumerate(codecs):
        prefix = f"part{k}."
        parts.append(codec.build(**{name[len(prefix):]: value for name, value in arrays.items()
                                    if name.startswith(prefix)}))
    return kind(parts, **options) if kind is Stack else kind(*parts, **options)
