"""Models: every one exposes the interface of :class:`evornn.models.base.Model`."""

from . import _rnn_grad  # noqa: F401 (registers the discrete family's gradient kernels)
from .bam import BAM, BAMParams
from .base import ContinuousModel, DiscreteModel, Model, register_kernels
from .circuits import Circuit
from .compressor import CompressorRun, HistoryCompressor
from .continuous_hopfield import ContinuousHopfield, ContinuousHopfieldParams
from .ctrnn import CTRNN, CTRNNParams
from .esn import ESN, ESNParams
from .hopfield import Hopfield, HopfieldParams
from .lsm import LSM, LSMParams
from .memory import ENTM, NTM, NeuralStack, memory_codec
from .memristive import MemristiveCircuit, MemristiveParams, Memristor, MemristorParams
from .neat_net import NEATNetParams, NEATNetwork
from .readout import RidgeStatistics
from .recursive import RecursiveNet, RecursiveParams, Trees
from .reservoir import Topology, spectral_radius
from .rnn import GRU, LSTM, NARX, RMLP, RNN, Elman, FullyRecurrent, IndRNN, Jordan, SecondOrder
from .system import System

__all__ = [
    "BAM",
    "CTRNN",
    "ENTM",
    "ESN",
    "GRU",
    "LSM",
    "LSTM",
    "NARX",
    "NTM",
    "RMLP",
    "RNN",
    "BAMParams",
    "CTRNNParams",
    "Circuit",
    "CompressorRun",
    "ContinuousHopfield",
    "ContinuousHopfieldParams",
    "ContinuousModel",
    "DiscreteModel",
    "ESNParams",
    "Elman",
    "FullyRecurrent",
    "HistoryCompressor",
    "Hopfield",
    "HopfieldParams",
    "IndRNN",
    "Jordan",
    "LSMParams",
    "MemristiveCircuit",
    "MemristiveParams",
    "Memristor",
    "MemristorParams",
    "Model",
    "NEATNetParams",
    "NEATNetwork",
    "NeuralStack",
    "RecursiveNet",
    "RecursiveParams",
    "RidgeStatistics",
    "SecondOrder",
    "System",
    "Topology",
    "Trees",
    "memory_codec",
    "register_kernels",
    "spectral_radius",
]
