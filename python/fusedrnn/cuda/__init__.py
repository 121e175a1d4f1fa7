"""Optional CUDA path: fusedrnn's recurrent ops on CuPy arrays.

``fusedrnn.cuda`` mirrors ``fusedrnn.ops``::

    packed = fusedrnn.cuda.pack_weights("gru", kernel, recurrent_kernel, bias)
    out, (h,) = fusedrnn.cuda.rnn_forward(x_gpu, packed)

Importing this module never needs CuPy; the first call that does imports it and raises one
clear ImportError/RuntimeError (with the install command) when CuPy or a GPU is missing.
Kernel sources: ``rnn_kernels.cu`` beside this file, compiled through NVRTC on first use.
"""

from __future__ import annotations

from ._ops import (
    ALGORITHMS,
    CudaPackedWeights,
    bidirectional_forward,
    is_available,
    kernel_source,
    pack_weights,
    persistent_launch_mode,
    rnn_forward,
)

__all__ = [
    "ALGORITHMS",
    "CudaPackedWeights",
    "bidirectional_forward",
    "is_available",
    "kernel_source",
    "pack_weights",
    "persistent_launch_mode",
    "rnn_forward",
]
