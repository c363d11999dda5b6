"""Draws docs/images/continuation.png and docs/images/cycle_fold_curve.png, the README's
continuation pictures:

    python docs/continuation_figure.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import evornn
from evornn import analysis, systems
from evornn.plotting import plot_branches, plot_curves


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

    bautin = systems.bautin(mu=-0.5, nu=1.0)
    curves = analysis.bifurcation_curves(bautin, ("mu", "nu"), bounds=((-0.3, 0.05), (-0.5, 1.0)), n_lines=1,
                                         cycles=True, state_bounds=(-2.0, 2.0))
    fig = plot_curves(curves, extent=(-0.3, 0.05, -0.5, 1.0),
                      title="Bautin normal form: Hopf and fold-of-cycles curves")
    ax = fig.axes[0]
    for x, y, text in ((-0.2, -0.25, "stable equilibrium"), (0.025, -0.25, "stable\ncycle"),
                       (-0.085, 0.88, "stable equilibrium\nand stable cycle"), (-0.27, 0.3, "stable\nequilibrium")):
        ax.text(x, y, text, ha="center", va="center", fontsize=8, color="0.3")
    out = out.with_name("cycle_fold_curve.png")
    fig.savefig(out, dpi=100)
    print(out)


if __name__ == "__main__":
    main()
