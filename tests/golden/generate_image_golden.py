"""Record what Keras 3 computes for random configurations of the depthwise, separable and
transposed convolutions, the 2-D/3-D padding, cropping and upsampling layers and the Group/Unit/RMS
normalizations, MelSpectrogram and STFTSpectrogram, for tests/test_image_layers.py
(test_layers_give_keras_outputs); and the kernels Keras's STFT initializer gives
(tests/data/golden/stft_kernels.npz).

NOT run by CI and not collected by pytest. It needs TensorFlow and Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_image_golden.py

Writes tests/data/golden/image_layers.npz: ``index`` (JSON: for each case its name, class,
constructor arguments and number of weights) and per case ``<name>_x``, ``<name>_w<i>`` (the
random weights given to the layer) and ``<name>_y`` (Keras's output). A configuration Keras
itself refuses (TensorFlow's depthwise convolution takes equal row and column strides only)
is left out, and the count of those is printed.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "image_layers.npz")


def configs(rng):
    """(class name, kwargs, input shape) of every case."""
    out = []
    pick = lambda *options: options[rng.integers(len(options))]  # noqa: E731
    for _ in range(14):
        k, s, d = int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
        if s > 1 and d > 1:
            d = 1
        kwargs = {"kernel_size": k, "strides": s, "dilation_rate": d,
                  "padding": pick("valid", "same"), "depth_multiplier": int(rng.integers(1, 4)),
                  "use_bias": bool(rng.integers(2)), "activation": pick("linear", "tanh")}
        length = int(rng.integers((k - 1) * d + 1, 13))
        shape = (2, length, int(rng.integers(1, 5)))
        out.append(("DepthwiseConv1D", kwargs, shape))
        out.append(("SeparableConv1D", {**kwargs, "filters": int(rng.integers(1, 6))}, shape))
    for _ in range(14):
        k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        s = int(rng.integers(1, 3))
        d = (1, 1) if s > 1 else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        kwargs = {"kernel_size": k, "strides": s, "dilation_rate": d,
                  "padding": pick("valid", "same"), "depth_multiplier": int(rng.integers(1, 3)),
                  "use_bias": bool(rng.integers(2)), "activation": pick("linear", "relu")}
        shape = (2, int(rng.integers(5, 9)), int(rng.integers(5, 9)), int(rng.integers(1, 4)))
        out.append(("DepthwiseConv2D", kwargs, shape))
        out.append(("SeparableConv2D", {**kwargs, "filters": int(rng.integers(1, 5))}, shape))
    for i in range(24):
        n = 1 + i % 3
        cls = ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")[n - 1]
        k = tuple(int(rng.integers(1, 5)) for _ in range(n))
        s = tuple(int(rng.integers(1, 4)) for _ in range(n))
        d = (tuple(int(rng.integers(1, 3)) for _ in range(n)) if max(s) == 1 else (1,) * n)
        kwargs = {"filters": int(rng.integers(1, 5)), "kernel_size": k, "strides": s,
                  "dilation_rate": d, "padding": pick("valid", "same"),
                  "use_bias": bool(rng.integers(2)), "activation": pick("linear", "tanh")}
        if rng.integers(2):
            kwargs["output_padding"] = tuple(int(rng.integers(0, st)) for st in s)
        shape = (2, *(int(rng.integers(1, 6)) for _ in range(n)), int(rng.integers(1, 4)))
        out.append((cls, kwargs, shape))
    for fmt in ("channels_last", "channels_first"):
        for size in (2, (1, 3), (3, 2)):
            for interpolation in ("nearest", "bilinear"):
                out.append(("UpSampling2D", {"size": size, "interpolation": interpolation,
                                             "data_format": fmt}, (2, 3, 4, 5)))
        out.append(("UpSampling3D", {"size": (2, 1, 3), "data_format": fmt}, (1, 2, 3, 2, 2)))
        for padding in (1, (2, 0), ((1, 2), (0, 3))):
            out.append(("ZeroPadding2D", {"padding": padding, "data_format": fmt},
                        (2, 4, 5, 3)))
            out.append(("Cropping2D", {"cropping": padding, "data_format": fmt},
                        (2, 5, 6, 4)))
        out.append(("ZeroPadding3D", {"padding": ((1, 0), (0, 2), (1, 1)), "data_format": fmt},
                    (1, 2, 3, 4, 2)))
        out.append(("Cropping3D", {"cropping": ((1, 0), (0, 1), (2, 1)), "data_format": fmt},
                    (1, 3, 4, 5, 2)))
    for groups, axis, shape in [(2, -1, (2, 5, 6)), (3, -1, (2, 4, 3, 6)), (-1, -1, (2, 5, 4)),
                                (1, -1, (3, 4)), (2, 1, (2, 4, 3, 5)), (4, 2, (2, 3, 8))]:
        out.append(("GroupNormalization", {"groups": groups, "axis": axis,
                                           "epsilon": float(pick(1e-3, 0.1))}, shape))
    out.append(("GroupNormalization", {"groups": 2, "center": False}, (2, 3, 4)))
    out.append(("GroupNormalization", {"groups": 2, "scale": False}, (2, 3, 4)))
    for axis, shape in [(-1, (2, 3, 4)), (1, (2, 3, 4)), ([1, 2], (2, 3, 4)),
                        ([2, 3], (2, 2, 3, 4))]:
        out.append(("UnitNormalization", {"axis": axis}, shape))
    for axis, eps, shape in [(-1, 1e-6, (2, 3, 4)), ([-2, -1], 0.01, (2, 3, 4)),
                             ([2, 3], 1e-6, (2, 2, 3, 4)), (-1, 0.5, (3, 5))]:
        out.append(("RMSNormalization", {"axis": axis, "epsilon": eps}, shape))
    out += mel_configs(np.random.default_rng(29))  # its own streams: the cases above unchanged
    out += stft_configs(np.random.default_rng(31))
    return out


def stft_configs(rng):
    """STFTSpectrogram: every mode, frame/step/FFT sizes, both paddings and data formats,
    expand_dims (its kernels are random weights here; stft_kernels() checks the initializer)."""
    out = []
    modes = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
    for i in range(14):
        frame = int(rng.integers(4, 33))
        kwargs = {"mode": modes[i % 7], "frame_length": frame,
                  "frame_step": int(rng.integers(1, frame + 1)) if i % 3 else None,
                  "fft_length": int(rng.integers(frame, 2 * frame + 1)) if i % 4 == 1 else None,
                  "padding": ("valid", "same")[i % 2],
                  # (TensorFlow's CPU convolution refuses channels first: tested against
                  # channels last in tests/test_image_layers.py)
                  "data_format": "channels_last", "expand_dims": bool(i % 5 == 2)}
        channels = int(rng.integers(1, 4))
        time = int(rng.integers(frame, 4 * frame))
        shape = ((2, time, channels) if kwargs["data_format"] == "channels_last"
                 else (2, channels, time))
        out.append(("STFTSpectrogram", kwargs, shape))
    return out


def stft_kernels():
    """Keras's STFT initializer: the kernels of fresh STFTSpectrogram layers (scipy windows,
    periodic or not, each scaling)."""
    import keras

    cases, arrays = [], {}
    windows = ["hann", "hamming", "blackman", "bartlett", "triang", "boxcar", "cosine",
               "nuttall", "blackmanharris", "flattop", None]
    for i, window in enumerate(windows):
        for frame, periodic, scaling in ((15, False, "density"), (16, True, "spectrum"),
                                         (9, True, None)):
            kwargs = {"mode": "stft", "frame_length": frame, "window": window,
                      "periodic": periodic, "scaling": scaling,
                      "fft_length": 32 if i % 2 else None}
            layer = keras.layers.STFTSpectrogram(**kwargs)
            layer.build((None, 40, 1))
            name = f"{len(cases):03d}"
            cases.append({"name": name, "config": kwargs})
            for j, w in enumerate(layer.get_weights()):
                arrays[f"{name}_w{j}"] = w
    np.savez_compressed(os.path.join(os.path.dirname(OUT), "stft_kernels.npz"),
                        index=json.dumps(cases), **arrays)
    print(f"{len(cases)} STFT initializer cases written")


def mel_configs(rng):
    """MelSpectrogram: frame and FFT sizes, strides, windows, bands, dB or power."""
    out = []
    for i in range(16):
        fft = int(rng.choice([32, 64, 128, 256]))
        kwargs = {"fft_length": fft, "sequence_stride": int(rng.integers(8, fft + 1)),
                  "sequence_length": int(rng.integers(fft // 2, fft + 1)) if i % 3 else None,
                  "window": [None, "hann", "hamming"][i % 3] if i % 4 else "hann",
                  "sampling_rate": int(rng.choice([8000, 16000, 22050])),
                  "num_mel_bins": int(rng.integers(4, 41)),
                  "min_freq": float(rng.choice([0.0, 20.0, 300.0])),
                  "max_freq": None if i % 2 else 3500.0,
                  "power_to_db": bool(i % 5), "top_db": float(rng.choice([20.0, 80.0])),
                  "mag_exp": float(rng.choice([1.0, 2.0])),
                  "ref_power": float(rng.choice([1.0, 0.5]))}
        samples = int(rng.integers(fft // 2 + 1, 4 * fft))
        out.append(("MelSpectrogram", kwargs, (2, samples) if i != 7 else (samples,)))
    return out


def main() -> None:
    import keras

    rng = np.random.default_rng(11)
    index, arrays, refused = [], {}, 0
    for i, (cls, kwargs, shape) in enumerate(configs(rng)):
        name = f"{i:03d}-{cls}"
        x = rng.standard_normal(shape).astype(np.float32)
        layer = getattr(keras.layers, cls)(**kwargs)
        try:
            layer.build(shape)
            weights = [(rng.standard_normal(w.shape) * 0.5).astype(np.float32)
                       for w in layer.get_weights()]
            layer.set_weights(weights)
            y = np.asarray(layer(x, training=False))
        except Exception as exc:  # noqa: BLE001 - a configuration Keras refuses
            print(f"left out {name} {kwargs}: {str(exc).splitlines()[0][:100]}")
            refused += 1
            continue
        index.append({"name": name, "class_name": cls, "config": kwargs,
                      "num_weights": len(weights)})
        arrays[f"{name}_x"] = x
        arrays[f"{name}_y"] = y
        for j, w in enumerate(weights):
            arrays[f"{name}_w{j}"] = w
    np.savez_compressed(OUT, index=json.dumps(index), keras_version=keras.__version__,
                        **arrays)
    print(f"{len(index)} cases written ({refused} left out) with Keras {keras.__version__}")


if __name__ == "__main__":
    main()
    stft_kernels()
