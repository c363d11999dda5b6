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
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), layout="constrained")
    neuron = evornn.CTRNN([[8.0]], bias=-6.0)
    plot_branches(analysis.continue_equilibria(neuron, "bias[0]", bounds=(-6.0, 0.0)), ax=axes[0],
                  title="one neuron, self-weight 8: two folds (bistable between them)")
    lorenz = systems.lorenz(rho=0.5)
    trivial = analysis.continue_equilibria(lorenz, "rho", [0.0, 0.0, 0.0], bounds=(0.0, 30.0))
    convective = analysis.switch_branch(lorenz, trivial, trivial.points("BP")[0], bounds=(0.0, 30.0))
    plot_branches(trivial, convective, coordinate=2, ax=axes[1],
                  title="Lorenz (sigma 10, beta 8/3): pitchfork, subcritical Hopf")
    brusselator = systems.brusselator(a=1.0, b=1.2)
    equilibria = analysis.continue_equilibria(brusselator, "b", [1.0, 1.2], bounds=(1.2, 3.0))
    cycles = analysis.continue_cycles(brusselator, equilibria.points("H")[0], "b", bounds=(1.2, 3.0))
    plot_branches(equilibria, cycles, ax=axes[2], ylabel="x (equilibrium; cycle's max and min)",
                  title="Brusselator (a = 1): cycles born at the Hopf point")
    out = Path(__file__).parent / "images" / "continuation.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=100)
    print(out)


if __name__ == "__main__":
    main()
