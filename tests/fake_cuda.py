"""Stand-ins for CuPy and ``fusedrnn.cuda`` that run on the CPU, so that the Python plumbing of
``device="cuda"`` (layers, models, ``fusedrnn._backend``) is exercised on machines without a
GPU. The kernels themselves are tested on a GPU only (test_cuda.py); here the "device" engine
runs fusedrnn's CPU kernels.

``DeviceArray`` behaves like ``cupy.ndarray`` where plumbing goes wrong:
- its type's module is ``cupy`` (what ``_backend.is_cupy_array`` looks at);
- NumPy will not convert it implicitly: ``np.asarray(a)`` raises TypeError, as with CuPy;
  ``a.get()`` and ``cupy.asnumpy(a)`` copy it to the host;
- NumPy functions and ufuncs dispatch to it (NEP 13 and 18, as they do to CuPy) and return
  device arrays; mixing in a NumPy array that is not a scalar raises TypeError, as CuPy does.

``FakeCudaEngine`` has ``fusedrnn.cuda``'s entry points and fails when ``_backend`` hands it a
host array, or packed weights from another engine.
"""

from __future__ import annotations

import types

import numpy as np

from fusedrnn import ops


class DeviceArray(np.lib.mixins.NDArrayOperatorsMixin):
    __module__ = "cupy"
    __slots__ = ("_host",)

    def __init__(self, host: np.ndarray):
        assert type(host) is np.ndarray
        self._host = host

    shape = property(lambda self: self._host.shape)
    dtype = property(lambda self: self._host.dtype)
    ndim = property(lambda self: self._host.ndim)
    size = property(lambda self: self._host.size)
    nbytes = property(lambda self: self._host.nbytes)
    flags = property(lambda self: self._host.flags)
    T = property(lambda self: DeviceArray(self._host.T))

    def get(self) -> np.ndarray:
        return self._host.copy()

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
            "construct a NumPy array explicitly."
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs)))

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    def __getitem__(self, key):
        return _wrap(self._host[_unwrap(key)])

    def __setitem__(self, key, value):
        self._host[_unwrap(key)] = _unwrap(value)

    def __len__(self):
        return len(self._host)

    def __iter__(self):
        return (_wrap(row) for row in self._host)

    def __bool__(self):
        return bool(self._host)

    def __float__(self):
        return float(self._host)

    def __int__(self):
        return int(self._host)

    def __repr__(self):
        return f"DeviceArray({self._host!r})"

    def __getattr__(self, name):  # methods: astype, copy, reshape, sum, max, any, item, ...
        if name.startswith("_"):  # not __array_interface__ & co.: NumPy would convert through it
            raise AttributeError(name)
        attr = getattr(self._host, name)
        if not callable(attr):
            return _wrap(attr)
        return lambda *a, **k: _wrap(attr(*_unwrap(a), **_unwrap(k)))


def _unwrap(obj):
    """Device arrays -> their host data, in nested args; a host array is refused (CuPy's
    TypeError), scalars and 0-d arrays pass."""
    if isinstance(obj, DeviceArray):
        return obj._host
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj
        raise TypeError(f"Unsupported type {type(obj)} (a host array mixed with device arrays)")
    if isinstance(obj, tuple):
        return tuple(_unwrap(o) for o in obj)
    if isinstance(obj, list):
        return [_unwrap(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _unwrap(v) for k, v in obj.items()}
    return obj


def _wrap(obj):
    if type(obj) is np.ndarray:
        return DeviceArray(obj)
    if isinstance(obj, tuple):
        return tuple(_wrap(o) for o in obj)
    if isinstance(obj, list):
        return [_wrap(o) for o in obj]
    return obj


def _to_device(a, dtype=None, contiguous=False):
    if isinstance(a, DeviceArray):
        host = a._host
        if dtype is not None and host.dtype != np.dtype(dtype):
            host = host.astype(dtype)
    else:
        host = np.array(a, dtype=dtype)  # a host -> device copy
    if contiguous:
        host = np.ascontiguousarray(host)
    return DeviceArray(host)


def make_cupy() -> types.ModuleType:
    """A module that answers for ``cupy`` in ``sys.modules``."""
    cp = types.ModuleType("cupy")
    cp.ndarray = DeviceArray
    cp.asarray = lambda a, dtype=None: _to_device(a, dtype)
    cp.array = lambda a, dtype=None, copy=True: _to_device(a, dtype).copy()
    cp.ascontiguousarray = lambda a, dtype=None: _to_device(a, dtype, contiguous=True)
    cp.asnumpy = lambda a: a.get() if isinstance(a, DeviceArray) else np.asarray(a)

    def getattr_(name):  # everything else: NumPy's function on device arrays
        attr = getattr(np, name)
        if isinstance(attr, type) or not callable(attr):
            return attr  # dtypes and constants, as cupy.float32 is numpy.float32

        def device_fn(*args, **kwargs):
            return _wrap(attr(*_unwrap(args), **_unwrap(kwargs)))

        return device_fn

    cp.__getattr__ = getattr_
    return cp


def is_device(a) -> bool:
    return isinstance(a, DeviceArray)


class FakePacked:
    """Packed weights of the fake engine (CPU kernels' weights inside)."""

    def __init__(self, cpu):
        self.cpu = cpu
        self.units = cpu.units
        self.num_states = cpu.num_states


class FakeCudaEngine:
    """``fusedrnn.cuda``'s entry points, computing with the CPU kernels."""

    @staticmethod
    def _host(a, what):
        if not is_device(a):
            raise AssertionError(f"{what} handed to the CUDA engine is {type(a).__name__}, "
                                 "not a device array")
        return a._host

    def _states(self, states, what):
        if states is None:
            return None
        return [self._host(s, f"{what}[{i}]") for i, s in enumerate(states)]

    def _packed(self, packed):
        if not isinstance(packed, FakePacked):
            raise AssertionError(f"the CUDA engine got {type(packed).__name__}, not its own "
                                 "packed weights")
        return packed.cpu

    def pack_weights(self, cell, kernel, recurrent_kernel, bias=None, *, activation="tanh",
                     recurrent_activation="sigmoid", reset_after=True):
        bias = None if bias is None else self._host(bias, "bias")
        return FakePacked(ops.pack_weights(
            cell, self._host(kernel, "kernel"), self._host(recurrent_kernel, "recurrent_kernel"),
            bias, activation=activation, recurrent_activation=recurrent_activation,
            reset_after=reset_after))

    def rnn_forward(self, x, packed, initial_state=None, mask=None, go_backwards=False,
                    return_sequences=True):
        out, states = ops.rnn_forward(
            self._host(x, "x"), self._packed(packed), self._states(initial_state, "initial_state"),
            None if mask is None else self._host(mask, "mask"), go_backwards, return_sequences)
        return _wrap(out), tuple(_wrap(s) for s in states)

    def bidirectional_forward(self, x, packed_fw, packed_bw, initial_state_fw=None,
                              initial_state_bw=None, mask=None, return_sequences=True):
        fw = self.rnn_forward(x, packed_fw, initial_state_fw, mask, False, return_sequences)
        bw = self.rnn_forward(x, packed_bw, initial_state_bw, mask, True, return_sequences)
        return fw, bw
