"""The numeric kernels: networks, backprop, convolution, losses, optimizers, activations.

Pure computation on numbers and arrays, below the spec -> solver -> render layers: a kernel
knows nothing of specs, steps or presentation. Solvers call kernels and write what they did.
"""
