"""Draws docs/images/continuation.png, the README's continuation picture:

    python docs/continuation_figure.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import evornn
from evornn import analysis, systems
from evornn.plotting import plot_branches


def main() -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    neuron = evornn.CTRNN([[8.0]], bias=-6.0)
    plot_branches(analysis.continue_equilibria(neuron, "bias[0]", bounds=(-6.0, 0.0)), ax=axes[0],
                  title="one neuron, self-weight 8: two folds (bistable between them)")
    lorenz = systems.lorenz(rho=0.5)
    trivial = analysis.continue_equilibria(lorenz, "rho", [0.0, 0.0, 0.0], bounds=(0.0, 30.0))
    convective = analysis.switch_branch(lorenz, trivial, trivial.points("BP")[0], bounds=(0.0, 30.0))
    plot_branches(trivial, convective, coordinate=2, ax=axes[1],
                  title="Lorenz (sigma 10, beta 8/3): pitchfork, subcritical Hopf")
    out = Path(__file__).parent / "images" / "continuation.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=100)
    print(out)


if __name__ == "__main__":
    main()
