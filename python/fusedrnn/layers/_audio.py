"""Keras 3's ``MelSpectrogram``: the audio front end keyword-spotting and speech models put in
front of their recurrent layers, so a model saved with it serves raw waveforms.

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

import numbers

import numpy as np

from .. import _backend
from ._base import Layer
from ._core import _drop_mask

__all__ = ["MelSpectrogram"]

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
