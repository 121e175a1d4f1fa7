"""Keras 3's audio front ends, ``MelSpectrogram`` and ``STFTSpectrogram``: what keyword-spotting
and speech models put in front of their recurrent layers, so a model saved with them serves
raw waveforms.

MelSpectrogram:
As Keras (TensorFlow backend): the signal is padded by ``fft_length // 2`` on both sides by
reflection, cut into frames of ``fft_length`` every ``sequence_stride`` samples, each frame
multiplied by TensorFlow's periodic Hann (or Hamming) window of ``sequence_length`` (which is
symmetric for an odd length) centred in it, and
transformed (real FFT); the magnitudes raised to ``mag_exp`` are mapped to ``num_mel_bins``
triangular mel bands (HTK mel scale, 700 Hz break, the lowest FFT bin left out) and, with
``power_to_db``, turned into decibels clipped at ``top_db`` below the largest value of the
whole call (so, as in Keras, a batch's values depend on the other signals in it). Output
``(batch, num_mel_bins, frames)``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _backend
from ._base import Layer
from ._conv import _pads
from ._core import _data_format, _drop_mask

__all__ = ["MelSpectrogram", "STFTSpectrogram"]

_MEL_BREAK_HERTZ = 700.0
_MEL_HIGH_Q = 1127.0


def _positive_int(layer: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _hertz_to_mel(hertz):
    return _MEL_HIGH_Q * np.log(1.0 + np.asarray(hertz, dtype=np.float64) / _MEL_BREAK_HERTZ)


def mel_weight_matrix(num_mel_bins: int, num_spectrogram_bins: int, sampling_rate: float,
                      lower_edge_hertz: float, upper_edge_hertz: float) -> np.ndarray:
    """(num_spectrogram_bins, num_mel_bins) triangular filters on the mel scale, as
    ``tf.signal.linear_to_mel_weight_matrix`` (the DC bin gets no weight)."""
    bins_mel = _hertz_to_mel(np.linspace(0.0, sampling_rate / 2.0,
                                         num_spectrogram_bins)[1:])[:, None]
    edges = np.linspace(_hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz),
                        num_mel_bins + 2)
    lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    weights = np.maximum(0.0, np.minimum((bins_mel - lower) / (center - lower),
                                         (upper - bins_mel) / (upper - center)))
    return np.pad(weights, [(1, 0), (0, 0)])


def _window(kind: str, length: int) -> np.ndarray:
    """TensorFlow's periodic Hann/Hamming window: periodic for an even length, symmetric
    (denominator length - 1) for an odd one, as tf.signal computes it."""
    a = 0.5 if kind == "hann" else 0.54
    denominator = length if length % 2 == 0 else max(length - 1, 1)
    return a - (1.0 - a) * np.cos(2.0 * np.pi * np.arange(length) / denominator)


class MelSpectrogram(Layer):
    """Keras 3's ``MelSpectrogram`` (see the module docstring). Input ``(batch, samples)`` or
    one signal ``(samples,)``; no weights."""

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        super().__init__(**kwargs)
        name = "MelSpectrogram"
        self.fft_length = _positive_int(name, "fft_length", fft_length)
        self.sequence_stride = _positive_int(name, "sequence_stride", sequence_stride)
        self.sequence_length = _positive_int(name, "sequence_length",
                                             sequence_length or fft_length)
        if self.fft_length < self.sequence_length:
            raise ValueError(f"{name}: fft_length ({self.fft_length}) must be >= "
                             f"sequence_length ({self.sequence_length})")
        if window not in ("hann", "hamming", None):
            raise ValueError(f"{name}: window must be 'hann', 'hamming' or None, got "
                             f"{window!r}")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = _positive_int(name, "num_mel_bins", num_mel_bins)
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        if not 0 <= min_freq < self.max_freq:
            raise ValueError(f"{name}: min_freq ({min_freq}) must be >= 0 and below max_freq "
                             f"({self.max_freq})")
        self.power_to_db = bool(power_to_db)
        self.top_db, self.mag_exp = top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power

    def _check_input_shape(self, shape) -> None:
        if len(shape) not in (1, 2):
            raise ValueError(f"input of MelSpectrogram layer {self.name!r} must be signals "
                             f"(batch, samples) or one signal (samples,); got shape "
                             f"{tuple(shape)}")
        if shape[-1] is not None and shape[-1] < self.fft_length // 2 + 1:
            raise ValueError(f"MelSpectrogram layer {self.name!r}: signals of {shape[-1]} "
                             f"samples are too short to pad by reflection for "
                             f"fft_length={self.fft_length} (at least "
                             f"{self.fft_length // 2 + 1})")

    def compute_output_shape(self, input_shape):
        """The frames the call gives: 1 + (samples + 2 (fft_length // 2) - fft_length) //
        sequence_stride. (Keras's symbolic shape, (samples + stride + 1) // stride, is one
        more for some lengths; its call gives this count.)"""
        samples = input_shape[-1]
        frames = None if samples is None else 1 + (
            samples + 2 * (self.fft_length // 2) - self.fft_length) // self.sequence_stride
        return (*tuple(input_shape[:-1]), self.num_mel_bins, frames)

    def _spectrogram(self, x: np.ndarray) -> np.ndarray:
        half = self.fft_length // 2
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
        count = 1 + (x.shape[-1] - self.fft_length) // self.sequence_stride
        starts = np.arange(count) * self.sequence_stride
        frames = x[..., starts[:, None] + np.arange(self.fft_length)]
        if self.window is not None:
            left = (self.fft_length - self.sequence_length) // 2
            window = np.zeros(self.fft_length)
            window[left:left + self.sequence_length] = _window(self.window,
                                                               self.sequence_length)
            frames = frames * window
        return np.abs(np.fft.rfft(frames, n=self.fft_length, axis=-1)) ** self.mag_exp

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        host = _backend.to_numpy(x) if _backend.is_cupy_array(x) else x
        spec = self._spectrogram(host.astype(np.float64))
        mel = spec @ mel_weight_matrix(self.num_mel_bins, spec.shape[-1], self.sampling_rate,
                                       self.min_freq, self.max_freq)
        if self.power_to_db:
            mel = 10.0 * np.log10(np.maximum(mel, self.min_power))
            mel -= 10.0 * np.log10(max(abs(self.ref_power), self.min_power))
            if mel.size:
                mel = np.maximum(mel, mel.max() - self.top_db)
        out = np.swapaxes(mel, -1, -2).astype(x.dtype)
        return (_backend.array_module(x).asarray(out), None)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(fft_length=self.fft_length, sequence_stride=self.sequence_stride,
                      sequence_length=self.sequence_length, window=self.window,
                      sampling_rate=self.sampling_rate, num_mel_bins=self.num_mel_bins,
                      min_freq=self.min_freq, max_freq=self.max_freq,
                      power_to_db=self.power_to_db, top_db=self.top_db, mag_exp=self.mag_exp,
                      min_power=self.min_power, ref_power=self.ref_power)
        return config


# scipy.signal.get_window's windows (scipy is not needed): generalized cosine windows by their
# coefficients, and the others by formula, each of length m, symmetric.
_COSINE_WINDOWS = {
    "hann": (0.5, 0.5), "hanning": (0.5, 0.5), "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.50, 0.08), "nuttall": (0.3635819, 0.4891775, 0.1365995, 0.0106411),
    "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
    "flattop": (0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368),
}


_OTHER_WINDOWS = ("boxcar", "rect", "rectangular", "ones", "bartlett", "bart", "brt",
                  "triang", "triangle", "tri", "cosine", "halfcosine")


def _symmetric_window(name: str, m: int) -> np.ndarray:
    if name not in _COSINE_WINDOWS and name not in _OTHER_WINDOWS:
        raise ValueError(f"unknown window {name!r}; fusedrnn has scipy.signal's "
                         f"{', '.join(sorted([*_COSINE_WINDOWS, *_OTHER_WINDOWS]))}")
    n = np.arange(m, dtype=np.float64)
    if m == 1:
        return np.ones(1)
    if name in _COSINE_WINDOWS:
        fac = np.linspace(-np.pi, np.pi, m)
        return sum(a * np.cos(k * fac) for k, a in enumerate(_COSINE_WINDOWS[name]))
    if name in ("boxcar", "rect", "rectangular", "ones"):
        return np.ones(m)
    if name in ("bartlett", "bart", "brt"):
        return np.where(n <= (m - 1) / 2.0, 2.0 * n / (m - 1), 2.0 - 2.0 * n / (m - 1))
    if name in ("triang", "triangle", "tri"):
        k = np.arange(1, (m + 1) // 2 + 1, dtype=np.float64)
        half = 2 * k / (m + 1) if m % 2 else (2 * k - 1) / m
        return np.concatenate([half, half[-2::-1] if m % 2 else half[::-1]])
    return np.sin(np.pi / m * (n + 0.5))  # cosine, halfcosine


def scipy_window(name: str, length: int, periodic: bool) -> np.ndarray:
    """``scipy.signal.get_window(name, length, fftbins=periodic)`` for the windows above
    (periodic: the symmetric window one longer, its last value dropped)."""
    if periodic:
        return _symmetric_window(name, length + 1)[:-1]
    return _symmetric_window(name, length)


def stft_kernel(side: str, window, scaling, periodic: bool, frame_length: int,
                bins: int) -> np.ndarray:
    """Keras's STFT initializer: (frame_length, 1, bins) cosines (real) or sines (imag) of
    -2 pi t f / ((bins - 1) * 2), times the window over its scaling (density: its norm;
    spectrum: its sum)."""
    time = np.arange(frame_length, dtype=np.float64)[:, None, None]
    freq = np.arange(bins, dtype=np.float64)[None, None, :] / ((bins - 1) * 2)
    args = -2.0 * time * freq * np.pi
    kernel = np.cos(args) if side == "real" else np.sin(args)
    if window is None:
        return kernel
    win = (scipy_window(window, frame_length, periodic) if isinstance(window, str)
           else np.asarray(window, dtype=np.float64))
    if win.shape != (frame_length,):
        raise ValueError(f"STFTSpectrogram: the window must have {frame_length} values, got "
                         f"shape {win.shape}")
    scale = {"density": np.sqrt(np.sum(win * win)), "spectrum": np.sum(np.abs(win))}.get(
        scaling, 1.0)
    return kernel * win[:, None, None] / scale


_STFT_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Keras 3's ``STFTSpectrogram``: each channel of ``(batch, time, channels)`` (or channels
    first) framed by a strided convolution with the layer's DFT kernels (``real_kernel``,
    ``imag_kernel``: weights of shape (frame_length, 1, fft_length // 2 + 1), Keras's STFT
    initializer when built fresh) and turned into ``mode``: "log" (log magnitude),
    "magnitude", "psd" (interior bins doubled), "real", "imag", "angle" or "stft" (real and
    imaginary parts). Output ``(batch, frames, channels * bins)`` (channels first:
    ``(batch, channels * bins, frames)``), or with ``expand_dims`` a 4-D
    ``(batch, frames, bins, channels)``."""

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = "STFTSpectrogram"
        self.frame_length = _positive_int(name, "frame_length", frame_length)
        if frame_step is not None:
            frame_step = _positive_int(name, "frame_step", frame_step)
            if frame_step > self.frame_length:
                raise ValueError(f"{name}: frame_step ({frame_step}) must not exceed "
                                 f"frame_length ({self.frame_length})")
        if fft_length is not None:
            fft_length = _positive_int(name, "fft_length", fft_length)
            if fft_length < self.frame_length:
                raise ValueError(f"{name}: fft_length ({fft_length}) must be >= "
                                 f"frame_length ({self.frame_length})")
        if mode not in _STFT_MODES:
            raise ValueError(f"{name}: mode must be one of {', '.join(_STFT_MODES)}, got "
                             f"{mode!r}")
        if scaling not in ("density", "spectrum", None):
            raise ValueError(f"{name}: scaling must be 'density', 'spectrum' or None, got "
                             f"{scaling!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
        self.mode, self.frame_step, self.fft_length = mode, frame_step, fft_length
        self._frame_step = frame_step or self.frame_length // 2
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(self.frame_length)))
        self.window, self.periodic, self.scaling = window, bool(periodic), scaling
        self.padding, self.expand_dims = padding, bool(expand_dims)
        self.data_format = _data_format(data_format)

    def _check_input_shape(self, shape) -> None:
        if len(shape) != 3:
            raise ValueError(f"input of STFTSpectrogram layer {self.name!r} must have rank 3 "
                             f"(batch, time, channels), or channels first; got shape "
                             f"{tuple(shape)}")

    def _split(self, shape):
        """(time, channels) of an input shape."""
        return (shape[1], shape[2]) if self.data_format == "channels_last" else (shape[2],
                                                                                  shape[1])

    def _frames(self, time):
        if time is None:
            return None
        if self.padding == "same":
            return -(-time // self._frame_step)
        return max(0, (time - self.frame_length) // self._frame_step + 1)

    def build(self, input_shape) -> None:
        bins = self._fft_length // 2 + 1
        for side in ("real", "imag"):
            if self.mode == {"real": "imag", "imag": "real"}[side]:
                continue
            try:
                kernel = stft_kernel(side, self.window, self.scaling, self.periodic,
                                     self.frame_length, bins)
            except ValueError:  # a window fusedrnn does not compute: the file's weights do
                kernel = np.full((self.frame_length, 1, bins), np.nan)
            self._add_weight(f"{side}_kernel", kernel, f"{side}_kernel")
        self.built = True

    def compute_output_shape(self, input_shape):
        time, channels = self._split(input_shape)
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        frames = self._frames(time)
        batch = input_shape[0]
        if self.expand_dims:
            return ((batch, frames, bins, channels) if self.data_format == "channels_last"
                    else (batch, channels, frames, bins))
        width = None if channels is None else channels * bins
        return ((batch, frames, width) if self.data_format == "channels_last"
                else (batch, width, frames))

    def _conv(self, x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """(batch, channels, time) -> (batch, channels, bins, frames)."""
        count = self._frames(x.shape[-1])
        left, right = _pads(x.shape[-1], self.frame_length, self._frame_step, self.padding)
        x = np.pad(x, [(0, 0), (0, 0), (left, right)])
        starts = np.arange(count) * self._frame_step
        frames = x[..., starts[:, None] + np.arange(self.frame_length)]
        return np.swapaxes(frames @ kernel[:, 0, :], -1, -2)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        host = (_backend.to_numpy(x) if _backend.is_cupy_array(x) else x).astype(np.float64)
        if self.data_format == "channels_last":
            host = np.swapaxes(host, 1, 2)
        parts = {side: self._conv(host, self._params[f"{side}_kernel"].astype(np.float64))
                 for side in ("real", "imag") if f"{side}_kernel" in self._params}
        if any(np.isnan(k).any() for k in (self._params[f"{s}_kernel"] for s in parts)):
            raise ValueError(f"STFTSpectrogram layer {self.name!r}: fusedrnn does not compute "
                             f"the {self.window!r} window; set the layer's weights (a model "
                             f"file holds them)")
        real, imag = parts.get("real"), parts.get("imag")
        if self.mode in ("real", "imag"):
            out = parts[self.mode]
        elif self.mode == "angle":
            out = np.arctan2(imag, real)
        elif self.mode == "stft":
            out = np.concatenate([real, imag], axis=2)
        else:
            power = real * real + imag * imag
            if self.mode == "psd":
                out = power.copy()
                out[:, :, 1:-1] += power[:, :, 1:-1]
            else:
                out = np.sqrt(np.maximum(power, 1e-7))
                if self.mode == "log":
                    out = np.log(np.maximum(out, 1e-7))
        out = self._arrange(out).astype(x.dtype)
        return _backend.array_module(x).asarray(out), None

    def _arrange(self, out: np.ndarray) -> np.ndarray:
        """(batch, channels, bins, frames) in the layer's output layout."""
        batch, channels, bins, frames = out.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return np.transpose(out, (0, 3, 2, 1))
            return np.swapaxes(out.reshape(batch, channels * bins, frames), 1, 2)
        if self.expand_dims:
            return np.transpose(out, (0, 1, 3, 2))
        return out.reshape(batch, channels * bins, frames)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(mode=self.mode, frame_length=self.frame_length,
                      frame_step=self.frame_step, fft_length=self.fft_length,
                      window=self.window, periodic=self.periodic, scaling=self.scaling,
                      padding=self.padding, data_format=self.data_format,
                      expand_dims=self.expand_dims)
        return config
