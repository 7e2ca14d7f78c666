"""Names the command line offers as choices, kept here so ``--help`` imports nothing heavy.

The modules that implement them (losses, optimizers) take their names from here too.
"""

LOSSES = ("mse", "half_mse", "sse", "half_sse", "mae", "bce", "cce", "sparse_cce", "hinge",
          "multiclass_svm", "squared_hinge", "categorical_hinge", "kl_divergence", "huber",
          "smooth_l1", "focal")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw")
