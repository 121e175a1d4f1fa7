"""Keras's image preprocessing layers that change images at inference: ``Resizing``,
``CenterCrop``, ``RandomCrop`` (Keras 2's crops at inference; Keras 3's is the identity there),
``AutoContrast`` and ``ContrastLimitedAdaptiveHistogramEqualization`` (CLAHE).

Resizing follows ``tf.image.resize`` (what Keras computes with the TensorFlow backend) for
every method Keras offers: "bilinear", "nearest" and "bicubic" as TensorFlow's resize kernels
with half-pixel centers (bicubic through its 1024-entry table of Keys's a = -0.5 cubic, the
weights of samples outside the image zeroed and the rest renormalised), "area" as its box
average, and "lanczos3", "lanczos5", "gaussian", "mitchellcubic" and antialiased
bilinear/bicubic as its ScaleAndTranslate resampling. Each axis is resampled on its own (x,
then y), a sum over each output's source span, so a NaN spreads only to the outputs whose span
holds it, as in TensorFlow. Inputs (batch, height, width, channels), or channels first, or one
unbatched image.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _backend
from ._base import Layer
from ._core import _data_format, _drop_mask

__all__ = ["AutoContrast", "CenterCrop", "ContrastLimitedAdaptiveHistogramEqualization",
           "RandomCrop", "Resizing", "resize_images"]

# tf.image.resize's methods; Keras 3's Resizing takes the first six, Keras 2's all eight.
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                  "mitchellcubic")


# --------------------------------------------------------------------------- sampling kernels
# ScaleAndTranslate's kernels (TensorFlow's sampling_kernels.h), each (radius, function of |x|),
# in float32 as TensorFlow evaluates them (the gaussian's exponential in float64): where a
# sample falls exactly between two pixels, the last bit decides whether a tap is in or out.
_PI = np.float32(3.14159265359)


def _lanczos(radius: float):
    r = np.float32(radius)

    def kernel(x):
        x = np.abs(x).astype(np.float32)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = (r * np.sin(_PI * x) * np.sin(_PI * x / r) / (_PI * _PI * x * x))
        return np.where(x > r, np.float32(0), np.where(x <= np.float32(1e-3), np.float32(1),
                                                      value)).astype(np.float32)
    return radius, kernel


def _gaussian(x):
    x = np.abs(x).astype(np.float32)
    sigma = np.float32(1.5) / np.float32(3.0)
    value = np.exp(-(x * x).astype(np.float64) / (2.0 * float(sigma) * float(sigma)))
    return np.where(x >= np.float32(1.5), 0.0, value).astype(np.float32)


def _triangle(x):
    x = np.abs(x).astype(np.float32)
    return np.where(x < 1, np.float32(1) - x, np.float32(0)).astype(np.float32)


def _keys_cubic(x):
    x = np.abs(x).astype(np.float32)
    f = np.float32
    far = ((f(-0.5) * x + f(2.5)) * x - f(4.0)) * x + f(2.0)
    near = ((f(1.5) * x - f(2.5)) * x) * x + f(1.0)
    return np.where(x >= 2, f(0), np.where(x >= 1, far, near)).astype(np.float32)


def _mitchell_cubic(x):
    x = np.abs(x).astype(np.float32)
    f = np.float32
    far = (((f(-7.0 / 18.0)) * x + f(2.0)) * x - f(10.0 / 3.0)) * x + f(16.0 / 9.0)
    near = (((f(7.0 / 6.0)) * x - f(2.0)) * x) * x + f(8.0 / 9.0)
    return np.where(x >= 2, f(0), np.where(x >= 1, far, near)).astype(np.float32)


_KERNELS = {"lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0), "gaussian": (1.5, _gaussian),
            "bilinear": (1.0, _triangle), "bicubic": (2.0, _keys_cubic),
            "mitchellcubic": (2.0, _mitchell_cubic)}


# --------------------------------------------------------------------------- one axis
# Each returns (index, weight), both [out, span]: output i = sum_k weight[i, k] * in[index[i, k]].
def _f32(v):
    return np.float32(v)


def _bilinear_taps(n_in: int, n_out: int):
    scale = _f32(n_in) / _f32(n_out)
    centers = (np.arange(n_out, dtype=np.float32) + _f32(0.5)) * scale - _f32(0.5)
    floor = np.floor(centers)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(centers), n_in - 1).astype(np.int64)
    frac = (centers - floor).astype(np.float64)
    return np.stack([lower, upper], 1), np.stack([1.0 - frac, frac], 1)


def _nearest_taps(n_in: int, n_out: int):
    scale = _f32(n_in) / _f32(n_out)
    pos = np.floor((np.arange(n_out, dtype=np.float32) + _f32(0.5)) * scale).astype(np.int64)
    return np.clip(pos, 0, n_in - 1)[:, None], np.ones((n_out, 1))


def _bicubic_table() -> np.ndarray:
    """TensorFlow's table of Keys's cubic (a = -0.5) at 1025 offsets: [i, 0] the weight of the
    sample at distance i / 1024, [i, 1] at 1 + i / 1024, as float32."""
    a = -0.5
    x = np.arange(1025, dtype=np.float64) / 1024
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + 1.0
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return np.stack([near, far], 1).astype(np.float32)


_TABLE = _bicubic_table()


def _bicubic_taps(n_in: int, n_out: int):
    scale = _f32(n_in) / _f32(n_out)
    loc_f = (np.arange(n_out, dtype=np.float32) + _f32(0.5)) * scale - _f32(0.5)
    loc = np.floor(loc_f).astype(np.int64)
    delta = (loc_f - loc.astype(np.float32)).astype(np.float32)
    offset = np.rint(delta * np.float32(1024)).astype(np.int64)  # lrintf: half to even
    index = loc[:, None] + np.arange(-1, 3)
    weight = np.stack([_TABLE[offset, 1], _TABLE[offset, 0], _TABLE[1024 - offset, 0],
                       _TABLE[1024 - offset, 1]], 1).astype(np.float64)
    inside = (index >= 0) & (index < n_in)
    weight = np.where(inside, weight, 0.0)
    total = weight.sum(1, keepdims=True)
    weight = np.where(np.abs(total) >= 1000.0 * np.finfo(np.float32).tiny, weight / total, weight)
    return np.clip(index, 0, n_in - 1), weight


def _area_taps(n_in: int, n_out: int):
    """ResizeArea (align_corners=False): each output the box [i s, (i + 1) s) of the input,
    s = n_in / n_out, each input cell weighted by its overlap, the sum divided by s."""
    s = _f32(n_in) / _f32(n_out)
    lo = np.arange(n_out, dtype=np.float32) * s
    hi = np.arange(1, n_out + 1, dtype=np.float32) * s
    start = np.floor(lo).astype(np.int64)
    end = np.ceil(hi).astype(np.int64)
    span = int((end - start).max())
    index = start[:, None] + np.arange(span)
    cell = index.astype(np.float32)
    overlap = np.where(cell < lo[:, None],
                       np.where(cell + 1 > hi[:, None], s, cell + 1 - lo[:, None]),
                       np.where(cell + 1 > hi[:, None], hi[:, None] - cell, _f32(1.0)))
    weight = np.where(index < end[:, None], overlap.astype(np.float64), 0.0) / float(s)
    return np.clip(index, 0, n_in - 1), weight


def _scale_translate_taps(n_in: int, n_out: int, kernel: str, antialias: bool):
    """ScaleAndTranslate's spans (scale n_out / n_in, no translation), in float32 as
    TensorFlow computes them: the kernel centred on each output's sample position, stretched
    by the downscale factor when antialiasing, its weights over the input cells normalised to
    sum 1 (left 0 where they sum to about 0)."""
    f = np.float32
    radius, function = _KERNELS[kernel]
    scale = f(n_out) / f(n_in)
    inv_scale = f(1.0 / float(scale))
    kernel_scale = max(inv_scale, f(1)) if antialias else f(1)
    reach = f(radius) * kernel_scale
    sample = (np.arange(n_out, dtype=np.float32) + f(0.5)) * inv_scale
    start = np.clip(np.ceil(sample - reach - f(0.5)), 0, n_in - 1).astype(np.int64)
    end = np.clip(np.floor(sample + reach - f(0.5)), 0, n_in - 1).astype(np.int64) + 1
    span = min(2 * int(math.ceil(float(reach))) + 1, n_in)
    index = start[:, None] + np.arange(span)
    position = (index.astype(np.float32) + f(0.5) - sample[:, None]) * (f(1) / kernel_scale)
    weight = np.where(index < end[:, None], function(position), f(0)).astype(np.float32)
    total = np.zeros(n_out, np.float32)
    for k in range(span):  # float32 sums in TensorFlow's order
        total = (total + weight[:, k]).astype(np.float32)
    ok = np.abs(total) >= f(1000) * np.finfo(np.float32).tiny
    with np.errstate(divide="ignore"):
        weight = np.where(ok[:, None], weight * (f(1) / total)[:, None], f(0))
    return np.clip(index, 0, n_in - 1), weight.astype(np.float64)


def _taps(n_in: int, n_out: int, interpolation: str, antialias: bool):
    if interpolation == "nearest":
        return _nearest_taps(n_in, n_out)
    if interpolation == "area":
        return _area_taps(n_in, n_out)
    if interpolation in ("bilinear", "bicubic") and not antialias:
        return (_bilinear_taps if interpolation == "bilinear" else _bicubic_taps)(n_in, n_out)
    return _scale_translate_taps(n_in, n_out, interpolation, antialias)


def _resample(x, axis: int, index, weight):
    xp = _backend.array_module(x)
    shape = [1] * x.ndim
    shape[axis] = -1
    out = None
    for k in range(index.shape[1]):
        w = weight[:, k]
        if not w.any():
            continue
        term = xp.take(x, xp.asarray(index[:, k]), axis=axis) * xp.asarray(w).reshape(shape)
        out = term if out is None else out + term
    if out is None:  # every weight zero (TensorFlow leaves such outputs 0)
        out_shape = list(x.shape)
        out_shape[axis] = index.shape[0]
        out = xp.zeros(out_shape, x.dtype)
    return out


def resize_images(x, height: int, width: int, interpolation: str = "bilinear",
                  antialias: bool = False):
    """``tf.image.resize`` of a float batch (batch, rows, cols, channels) to (height, width):
    float32 out (nearest keeps the input's dtype)."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"unknown interpolation {interpolation!r}; expected one of "
                         f"{list(INTERPOLATIONS)}")
    if interpolation == "nearest":
        rows, _ = _nearest_taps(x.shape[1], height)
        cols, _ = _nearest_taps(x.shape[2], width)
        xp = _backend.array_module(x)
        return xp.take(xp.take(x, xp.asarray(rows[:, 0]), axis=1), xp.asarray(cols[:, 0]), axis=2)
    xp = _backend.array_module(x)
    y = x.astype(xp.float64)
    y = _resample(y, 2, *_taps(x.shape[2], width, interpolation, antialias))
    y = _resample(y, 1, *_taps(x.shape[1], height, interpolation, antialias))
    return y.astype(xp.float32)


def _aspect_crop(x, height: int, width: int):
    """Keras's crop to the target aspect ratio (smart_resize, crop_to_aspect_ratio): the
    largest centred window of that ratio."""
    rows, cols = x.shape[1], x.shape[2]
    crop_h = max(min(rows, int(_f32(cols * height) / _f32(width))), 1)
    crop_w = max(min(cols, int(_f32(rows * width) / _f32(height))), 1)
    top = int(_f32(rows - crop_h) / _f32(2))
    left = int(_f32(cols - crop_w) / _f32(2))
    return x[:, top:top + crop_h, left:left + crop_w]


def _aspect_pad(x, height: int, width: int, fill_value: float):
    """Keras 3's pad to the target aspect ratio: the same number of fill rows (columns) above
    and below (left and right), half the shortfall rounded down on each side."""
    xp = _backend.array_module(x)
    rows, cols = x.shape[1], x.shape[2]
    pad_h = max(rows, int(_f32(cols * height) / _f32(width)))
    pad_w = max(cols, int(_f32(rows * width) / _f32(height)))
    top = int(_f32(pad_h - rows) / _f32(2))
    left = int(_f32(pad_w - cols) / _f32(2))
    if top > 0 or left > 0:
        fill = xp.full((x.shape[0], rows + 2 * top, cols + 2 * left, x.shape[3]), fill_value,
                       dtype=x.dtype)
        fill[:, top:top + rows, left:left + cols] = x
        x = fill
    return x


def _scale_range(x, source, target):
    """Keras's _transform_value_range in float32: to [0, 1] by the source range, then to the
    target range (nothing when the two are the same)."""
    if float(source[0]) == float(target[0]) and float(source[1]) == float(target[1]):
        return x
    f = np.float32
    x = (x.astype(np.float32) - f(source[0])) / (f(source[1]) - f(source[0]))
    return (x * (f(target[1]) - f(target[0])) + f(target[0])).astype(np.float32)


# --------------------------------------------------------------------------- layers
class _ImageLayer(Layer):
    """(batch, rows, cols, channels), channels first, or one image without the batch axis;
    computed channels last on a batch. The mask is dropped, as Keras 3's image layers do."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.supports_masking = False

    def _check_input_shape(self, shape) -> None:
        if len(shape) not in (3, 4):
            order = ("(batch, rows, cols, channels)" if self.data_format == "channels_last"
                     else "(batch, channels, rows, cols)")
            raise ValueError(f"input of {type(self).__name__} layer {self.name!r} must have "
                             f"rank 4 {order} or rank 3 (one image); got shape {tuple(shape)}")

    def _grid_axes(self, rank: int) -> tuple[int, int]:
        return (rank - 3, rank - 2) if self.data_format == "channels_last" else (rank - 2,
                                                                                  rank - 1)

    def _run(self, x, fn):
        """fn on x as a channels-last float batch; the result back in x's layout."""
        xp = _backend.array_module(x)
        batched = x.ndim == 4
        y = x if batched else x[None]
        if self.data_format == "channels_first":
            y = y.transpose(0, 2, 3, 1)
        y = fn(y)
        if self.data_format == "channels_first":
            y = y.transpose(0, 3, 1, 2)
        return xp.ascontiguousarray(y if batched else y[0])

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        return self._run(x, self._apply), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config


class _Sized(_ImageLayer):
    """Layers whose output has rows x cols = (height, width)."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = type(self).__name__
        for argument, value in (("height", height), ("width", width)):
            if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                    or value < 1):
                raise ValueError(f"{name}: `{argument}` must be a positive integer; got "
                                 f"{value!r}")
        self.height, self.width = int(height), int(width)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        rows, cols = self._grid_axes(len(shape))
        shape[rows], shape[cols] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config


class Resizing(_Sized):
    """Keras ``Resizing``: images resized to (height, width) as ``tf.image.resize`` does (see
    the module), optionally cropped (``crop_to_aspect_ratio``) or padded with ``fill_value``
    (``pad_to_aspect_ratio``, Keras 3) to the target aspect ratio first. float32 out."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Resizing: unknown `interpolation` {interpolation!r}; expected "
                             f"one of {list(INTERPOLATIONS)}")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: `fill_mode` must be 'constant' (the only mode Keras "
                             f"supports); got {fill_mode!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of `pad_to_aspect_ratio` and "
                             "`crop_to_aspect_ratio` can be True")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.antialias = bool(antialias)

    def _apply(self, x):
        x = x.astype(_backend.array_module(x).float32, copy=False)
        if self.crop_to_aspect_ratio:
            x = _aspect_crop(x, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            x = _aspect_pad(x, self.height, self.width, self.fill_value)
        return resize_images(x, self.height, self.width, self.interpolation, self.antialias)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                      pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                      fill_value=self.fill_value, antialias=self.antialias)
        return config


def _smart_resize(x, height: int, width: int):
    """Keras's ``smart_resize``: the largest centred window of the target aspect ratio,
    resized bilinearly."""
    return resize_images(_aspect_crop(x, height, width), height, width, "bilinear")


class CenterCrop(_Sized):
    """Keras ``CenterCrop``: the centred (height, width) window; an image smaller than that
    on either axis is cropped to the target aspect ratio and resized bilinearly instead
    (Keras's ``smart_resize``)."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)

    def _apply(self, x):
        x = x.astype(_backend.array_module(x).float32, copy=False)
        rows, cols = x.shape[1], x.shape[2]
        if rows >= self.height and cols >= self.width:
            top, left = (rows - self.height) // 2, (cols - self.width) // 2
            return x[:, top:top + self.height, left:left + self.width]
        return _smart_resize(x, self.height, self.width)


class RandomCrop(_Sized):
    """Keras ``RandomCrop`` at inference. Keras 3 returns its input unchanged there (its crop
    happens only in training, though its output shape, and so what the next layer is built
    for, says (height, width)); Keras 2 (tf_keras) crops to the target aspect ratio and resizes
    bilinearly (``smart_resize``). ``keras2=True`` computes Keras 2's, as ``load_model`` sets
    it for the files Keras 2 wrote."""

    def __init__(self, height, width, seed=None, data_format=None, keras2=False, rng_type=None,
                 **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)
        self.seed = seed
        self.keras2 = bool(keras2)
        self.rng_type = rng_type  # Keras 2 saves "stateful"; random draws only

    def _apply(self, x):
        if not self.keras2:
            return x
        return _smart_resize(x.astype(_backend.array_module(x).float32, copy=False),
                             self.height, self.width)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(seed=self.seed)
        if self.keras2:
            config.update(keras2=True)
        if self.rng_type is not None:
            config.update(rng_type=self.rng_type)
        return config


def _value_range(value_range, layer: str) -> list:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"{layer}: `value_range` must be a tuple or list of two numbers; got "
                         f"{value_range!r}")
    return sorted(value_range)


class AutoContrast(_ImageLayer):
    """Keras ``AutoContrast``: each image's channels stretched to the full ``value_range``
    (its minimum to the range's low end, its maximum to the high end), as Keras computes it:
    scaled to [0, 255], min and max over axes 1 and 2 of the input as given (rows and cols of
    a channels-last batch, whatever ``data_format`` says), clipped, scaled back; channels
    whose result is NaN keep their input (a constant channel, 0 / 0)."""

    def __init__(self, value_range=(0, 255), **kwargs):
        data_format = kwargs.pop("data_format", None)
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = _value_range(value_range, "AutoContrast")

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        xp = _backend.array_module(x)
        images = _scale_range(x.astype(xp.float32), self.value_range, (0, 255))
        low = images.min(axis=(1, 2), keepdims=True)
        high = images.max(axis=(1, 2), keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.float32(255.0) / (high - low)
            offset = -low * scale
            out = xp.clip(images * scale + offset, 0.0, 255.0).astype(xp.float32)
        out = _scale_range(out, (0, 255), self.value_range)
        return xp.where(xp.isnan(out), x, out).astype(xp.float32), None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(value_range=self.value_range)
        return config


def _clahe(images, clip_limit: float, grid):
    """Keras 3's CLAHE on a channels-last float32 batch of values in [0, 255]: per tile of a
    (grid_h, grid_w) grid (the image padded symmetrically to whole tiles) a 256-bin histogram
    of the truncated values, clipped at clip_limit x (tile pixels / 256) with the excess spread
    evenly, its normalised CDF; each pixel maps through the CDFs of its four nearest tile
    centres, blended bilinearly (edge tiles repeated beyond the border)."""
    f = np.float32
    batch, rows, cols, channels = images.shape
    gh, gw = grid
    th, tw = (rows + gh - 1) // gh, (cols + gw - 1) // gw
    pad_h, pad_w = th * gh - rows, tw * gw - cols
    padded = images
    if pad_h or pad_w:
        padded = np.pad(images, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="symmetric")
    tiles = padded.reshape(batch, gh, th, gw, tw, channels).transpose(0, 1, 3, 5, 2, 4)
    tiles = tiles.reshape(batch, gh, gw, channels, th * tw)
    with np.errstate(invalid="ignore"):
        bins = np.clip(np.trunc(tiles).astype(np.int64), 0, 255)
    hist = np.zeros((batch, gh, gw, channels, 256), np.float32)
    np.add.at(hist, (*np.indices(bins.shape[:-1])[..., None].repeat(th * tw, -1), bins), 1.0)
    if clip_limit > 0:
        limit = f(clip_limit * (th * tw) / 256.0)
        clipped = np.clip(hist, f(0), limit)
        excess = (hist - clipped).sum(axis=-1, keepdims=True, dtype=np.float32)
        hist = clipped + excess / f(256.0)
    cdf = np.cumsum(hist, axis=-1, dtype=np.float32)
    cdf_min = cdf.min(axis=-1, keepdims=True)
    den = f(th * tw) - cdf_min
    den = np.where(den == 0, f(1), den)
    cdf = np.clip((cdf - cdf_min) * f(255.0) / den, f(0), f(255)).astype(np.float32)
    cdf = np.pad(cdf, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")
    y = (np.arange(th * gh, dtype=np.float32) - f(th / 2.0)) / f(th) + f(1)
    x = (np.arange(tw * gw, dtype=np.float32) - f(tw / 2.0)) / f(tw) + f(1)
    y0, x0 = np.floor(y), np.floor(x)
    wy, wx = (y - y0)[None, :, None, None], (x - x0)[None, None, :, None]
    y0i, y1i = np.clip(y0, 0, gh + 1).astype(np.int64), np.clip(y0 + 1, 0, gh + 1).astype(np.int64)
    x0i, x1i = np.clip(x0, 0, gw + 1).astype(np.int64), np.clip(x0 + 1, 0, gw + 1).astype(np.int64)
    with np.errstate(invalid="ignore"):
        pixels = np.clip(padded, 0, 255).astype(np.int64)
    b = np.arange(batch)[:, None, None, None]
    c = np.arange(channels)[None, None, None, :]

    def at(yi, xi):
        return cdf[b, yi[None, :, None, None], xi[None, None, :, None], c, pixels]

    one = f(1)
    top = at(y0i, x0i) * (one - wx) + at(y0i, x1i) * wx
    bottom = at(y1i, x0i) * (one - wx) + at(y1i, x1i) * wx
    return (top * (one - wy) + bottom * wy)[:, :rows, :cols].astype(np.float32)


class ContrastLimitedAdaptiveHistogramEqualization(_ImageLayer):
    """Keras 3's CLAHE layer: contrast-limited adaptive histogram equalization of each
    channel, applied at inference too (see _clahe), on values in ``value_range``; the output
    in the input's dtype."""

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = "ContrastLimitedAdaptiveHistogramEqualization"
        self.value_range = _value_range(value_range, name)
        if (not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2
                or not all(isinstance(g, (int, np.integer)) and not isinstance(g, bool)
                           and g >= 1 for g in tile_grid_size)):
            raise ValueError(f"{name}: `tile_grid_size` must be two positive integers; got "
                             f"{tile_grid_size!r}")
        self.tile_grid_size = tuple(int(g) for g in tile_grid_size)
        self.clip_limit = float(clip_limit)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        xp = _backend.array_module(x)

        def apply(images):
            y = _scale_range(_backend.to_numpy(images), self.value_range, (0, 255))
            y = _clahe(y.astype(np.float32, copy=False), self.clip_limit, self.tile_grid_size)
            return xp.asarray(_scale_range(y, (0, 255), self.value_range).astype(x.dtype))

        return self._run(x, apply), None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(value_range=self.value_range, clip_limit=self.clip_limit,
                      tile_grid_size=self.tile_grid_size)
        return config
