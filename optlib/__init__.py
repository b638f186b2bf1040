"""optlib: the small numpy library behind the course "Optimization for Deep Learning".

    import optlib as ol
    f = ol.Quadratic([[2.0]])                       # f(x) = x²
    traj = ol.run(ol.SGD(lr=0.2), f, x0=8.7, steps=20)
    traj.xs, traj.values, traj.grad_norms, traj.diverged

Modules, in the order the course introduces them: objectives, datasets (seeded synthetic data),
models (least squares, logistic regression and the one neuron on data), optimizers, loops,
line_search (exact steps on quadratic models, strong-Wolfe and backtracking searches), rates
(convergence of momentum methods on quadratics), curvature (Hessian-vector products), landscape
(critical points, random fields, GOE probabilities), second_order (Newton, saddle-free Newton,
Newton-CG, BFGS, L-BFGS, nonlinear and linear conjugate gradients), initializers and nn (a small
network library, layer by layer), jacobian (a network's input–output Jacobian), schedules,
clipping, plotting, widgets (sliders and static explorers), check (exercise feedback), testing
(finite differences).
"""

from . import (
    check,
    clipping,
    curvature,
    datasets,
    explorer,
    initializers,
    jacobian,
    landscape,
    line_search,
    models,
    nn,
    plotting,
    rates,
    schedules,
    second_order,
    testing,
    widgets,
)
from .loops import StopRun, TrainLog, Trajectory, minibatches, run, steps_to_tolerance, train
from .objectives import Cliff, Objective, OneNeuron, Quadratic, Rosenbrock, random_rotation
from .optimizers import (
    SGD,
    AdaDelta,
    AdaGrad,
    Adam,
    AMSGrad,
    Momentum,
    Nesterov,
    Optimizer,
    PerturbedGD,
    RAdam,
    RMSProp,
    RMSPropNesterov,
)
from .second_order import (
    BFGS,
    LBFGS,
    Newton,
    NewtonCG,
    NonlinearCG,
    SaddleFreeNewton,
    SteepestDescent,
    conjugate_gradient,
)

__all__ = [
    "BFGS",
    "LBFGS",
    "Newton",
    "NewtonCG",
    "NonlinearCG",
    "SaddleFreeNewton",
    "SteepestDescent",
    "StopRun",
    "conjugate_gradient",
    "second_order",
    "SGD",
    "AdaDelta",
    "AdaGrad",
    "AMSGrad",
    "Adam",
    "Momentum",
    "Nesterov",
    "RMSProp",
    "RMSPropNesterov",
    "RAdam",
    "Rosenbrock",
    "Cliff",
    "clipping",
    "curvature",
    "datasets",
    "explorer",
    "initializers",
    "jacobian",
    "landscape",
    "line_search",
    "models",
    "nn",
    "OneNeuron",
    "TrainLog",
    "minibatches",
    "train",
    "schedules",
    "Objective",
    "Optimizer",
    "PerturbedGD",
    "Quadratic",
    "Trajectory",
    "check",
    "plotting",
    "random_rotation",
    "rates",
    "run",
    "steps_to_tolerance",
    "testing",
    "widgets",
]
__version__ = "0.1.0"
