"""Keras's image augmentation layers (RandomFlip, RandomRotation, RandomZoom, ...): models
trained with augmentation inside them (Keras's image and video tutorials put a
``data_augmentation`` block first) keep those layers in their files, and at inference each
returns its input unchanged. fusedrnn only runs inference, so they are identities that take
Keras's constructor arguments (Keras 3's, and Keras 2's ``rng_type``) and give them back in
their configs. Checked against Keras: each one's ``predict`` output is its input.

``Equalization`` and ``Solarization`` are here too: Keras 3 applies them only in training;
and ``MaxNumBoundingBoxes``, which changes bounding boxes only (images pass through). The
image layers that change images at inference (``Resizing``, ``CenterCrop``, ``RandomCrop``,
``AutoContrast``) are in ``_image``.
"""

from __future__ import annotations

from ._base import Layer
from ._core import _check_rank, _data_format, _drop_mask

__all__ = ["AugMix", "CutMix", "MixUp", "RandAugment", "RandomBrightness",
           "RandomColorDegeneration", "RandomColorJitter", "RandomContrast",
           "RandomElasticTransform", "RandomErasing", "RandomFlip", "RandomGaussianBlur",
           "RandomGrayscale", "RandomHeight", "RandomHue", "RandomInvert", "RandomPerspective",
           "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness",
           "RandomShear", "RandomTranslation", "RandomWidth", "RandomZoom", "Equalization",
           "MaxNumBoundingBoxes", "Solarization"]

_REQUIRED = object()
_RANGE = (0, 255)
_FILL = (("fill_mode", "reflect"), ("interpolation", "bilinear"), ("seed", None),
         ("fill_value", 0.0), ("data_format", None))

# Keras 3's constructor arguments of each layer, in its positional order, with defaults.
_SIGNATURES = {
    "RandomFlip": (("mode", "horizontal_and_vertical"), ("seed", None), ("data_format", None)),
    "RandomRotation": (("factor", _REQUIRED), *_FILL),
    "RandomZoom": (("height_factor", _REQUIRED), ("width_factor", None), *_FILL),
    "RandomTranslation": (("height_factor", _REQUIRED), ("width_factor", _REQUIRED), *_FILL),
    "RandomContrast": (("factor", _REQUIRED), ("value_range", _RANGE), ("seed", None)),
    "RandomBrightness": (("factor", _REQUIRED), ("value_range", _RANGE), ("seed", None)),
    "RandomHue": (("factor", _REQUIRED), ("value_range", _RANGE), ("data_format", None),
                  ("seed", None)),
    "RandomSaturation": (("factor", _REQUIRED), ("value_range", _RANGE), ("data_format", None),
                         ("seed", None)),
    "RandomSharpness": (("factor", _REQUIRED), ("value_range", _RANGE), ("data_format", None),
                        ("seed", None)),
    "RandomColorDegeneration": (("factor", _REQUIRED), ("value_range", _RANGE),
                                ("data_format", None), ("seed", None)),
    "RandomPosterization": (("factor", _REQUIRED), ("value_range", _RANGE),
                            ("data_format", None), ("seed", None)),
    "RandomColorJitter": (("value_range", _RANGE), ("brightness_factor", None),
                          ("contrast_factor", None), ("saturation_factor", None),
                          ("hue_factor", None), ("seed", None), ("data_format", None)),
    "RandomGrayscale": (("factor", 0.5), ("data_format", None), ("seed", None)),
    "RandomInvert": (("factor", 1.0), ("value_range", _RANGE), ("seed", None),
                     ("data_format", None)),
    "RandomErasing": (("factor", 1.0), ("scale", (0.02, 0.33)), ("fill_value", None),
                      ("value_range", _RANGE), ("seed", None), ("data_format", None)),
    "RandomGaussianBlur": (("factor", 1.0), ("kernel_size", 3), ("sigma", 1.0),
                           ("value_range", _RANGE), ("data_format", None), ("seed", None)),
    "RandomPerspective": (("factor", 1.0), ("scale", 1.0), ("interpolation", "bilinear"),
                          ("fill_value", 0.0), ("seed", None), ("data_format", None)),
    "RandomShear": (("x_factor", 0.0), ("y_factor", 0.0), ("interpolation", "bilinear"),
                    ("fill_mode", "reflect"), ("fill_value", 0.0), ("data_format", None),
                    ("seed", None)),
    "RandomElasticTransform": (("factor", 1.0), ("scale", 1.0), ("interpolation", "bilinear"),
                               ("fill_mode", "reflect"), ("fill_value", 0.0),
                               ("value_range", _RANGE), ("seed", None), ("data_format", None)),
    "AugMix": (("value_range", _RANGE), ("num_chains", 3), ("chain_depth", 3), ("factor", 0.3),
               ("alpha", 1.0), ("all_ops", True), ("interpolation", "bilinear"), ("seed", None),
               ("data_format", None)),
    "RandAugment": (("value_range", _RANGE), ("num_ops", 2), ("factor", 0.5),
                    ("interpolation", "bilinear"), ("seed", None), ("data_format", None)),
    "CutMix": (("factor", 1.0), ("seed", None), ("data_format", None)),
    "Equalization": (("value_range", _RANGE), ("bins", 256), ("data_format", None)),
    "MaxNumBoundingBoxes": (("max_number", _REQUIRED), ("fill_value", -1)),
    "Solarization": (("addition_factor", 0.0), ("threshold_factor", 0.0), ("value_range", _RANGE),
                     ("seed", None)),
    "MixUp": (("alpha", 0.2), ("data_format", None), ("seed", None)),
    # Keras 2 only (tf_keras): identities at inference as well
    "RandomHeight": (("factor", _REQUIRED), ("interpolation", "bilinear"), ("seed", None)),
    "RandomWidth": (("factor", _REQUIRED), ("interpolation", "bilinear"), ("seed", None)),
}


# The layers Keras's AugMix and RandAugment hold (AugMix the color ones with all_ops=True).
_AUGMENT_OPS = ("random_shear", "random_translation", "random_rotation", "solarization",
                "random_posterization", "auto_contrast", "equalization")
_COLOR_OPS = ("random_brightness", "random_color_degeneration", "random_contrast",
              "random_sharpness")


def _json_like(value):
    """Tuples as lists, as a config read back from JSON holds them."""
    if isinstance(value, (tuple, list)):
        return [_json_like(v) for v in value]
    return value


class _Augmentation(Layer):
    """An augmentation layer at inference: its input, unchanged (batched images, rank 4, or
    one image, rank 3). Like Keras's, it does not support masking."""

    def __init__(self, *args, rng_type=None, **kwargs):
        name = type(self).__name__
        signature = _SIGNATURES[name]
        if all(key != "data_format" for key, _ in signature):  # Keras 3 takes it in **kwargs
            signature += (("data_format", None),)
        if len(args) > len(signature):
            raise TypeError(f"{name} takes at most {len(signature)} positional arguments "
                            f"({', '.join(k for k, _ in signature)}); got {len(args)}")
        values = {}
        for (key, _), value in zip(signature, args):
            if key in kwargs:
                raise TypeError(f"{name} got multiple values for argument {key!r}")
            values[key] = value
        for key, default in signature[len(args):]:
            value = kwargs.pop(key, default)
            if value is _REQUIRED:
                raise TypeError(f"{name} missing required argument {key!r}")
            values[key] = value
        super().__init__(**kwargs)  # the Layer arguments: name, dtype, trainable, input_shape
        values["data_format"] = _data_format(values["data_format"])
        self._augmentation_args = {k: _json_like(v) for k, v in values.items()}
        self.rng_type = rng_type  # Keras 2 saves "stateful"; random draws only
        self.supports_masking = False

    def __getattr__(self, key):  # the constructor's arguments as attributes, as Keras's
        args = self.__dict__.get("_augmentation_args")
        if args is not None and key in args:
            return args[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def _check_input_shape(self, shape) -> None:
        if len(shape) not in (3, 4):
            _check_rank(self, shape, 4, "(batch, rows, cols, channels) or one image of rank 3")

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        return x, None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self._augmentation_args)
        return config

    def _empty_sublayers(self) -> tuple[str, ...]:
        """The layers Keras's builds inside this one (AugMix's, RandAugment's, ...): without
        weights, but groups of Keras's weights files."""
        return ()


class RandomFlip(_Augmentation):
    """Keras ``RandomFlip``: training-time augmentation; the identity at inference."""


class RandomRotation(_Augmentation):
    """Keras ``RandomRotation``: training-time augmentation; the identity at inference."""


class RandomZoom(_Augmentation):
    """Keras ``RandomZoom``: training-time augmentation; the identity at inference."""


class RandomTranslation(_Augmentation):
    """Keras ``RandomTranslation``: training-time augmentation; the identity at inference."""


class RandomContrast(_Augmentation):
    """Keras ``RandomContrast``: training-time augmentation; the identity at inference."""


class RandomBrightness(_Augmentation):
    """Keras ``RandomBrightness``: training-time augmentation; the identity at inference."""


class RandomHue(_Augmentation):
    """Keras ``RandomHue``: training-time augmentation; the identity at inference."""


class RandomSaturation(_Augmentation):
    """Keras ``RandomSaturation``: training-time augmentation; the identity at inference."""


class RandomSharpness(_Augmentation):
    """Keras ``RandomSharpness``: training-time augmentation; the identity at inference."""


class RandomColorDegeneration(_Augmentation):
    """Keras ``RandomColorDegeneration``: training-time augmentation; the identity at inference."""


class RandomPosterization(_Augmentation):
    """Keras ``RandomPosterization``: training-time augmentation; the identity at inference."""


class RandomColorJitter(_Augmentation):
    """Keras ``RandomColorJitter``: training-time augmentation; the identity at inference."""

    def _empty_sublayers(self):
        return tuple(f"random_{part}" for part in ("brightness", "contrast", "saturation", "hue")
                     if self._augmentation_args[f"{part}_factor"] is not None)


class RandomGrayscale(_Augmentation):
    """Keras ``RandomGrayscale``: training-time augmentation; the identity at inference."""


class RandomInvert(_Augmentation):
    """Keras ``RandomInvert``: training-time augmentation; the identity at inference."""


class RandomErasing(_Augmentation):
    """Keras ``RandomErasing``: training-time augmentation; the identity at inference."""


class RandomGaussianBlur(_Augmentation):
    """Keras ``RandomGaussianBlur``: training-time augmentation; the identity at inference."""


class RandomPerspective(_Augmentation):
    """Keras ``RandomPerspective``: training-time augmentation; the identity at inference."""


class RandomShear(_Augmentation):
    """Keras ``RandomShear``: training-time augmentation; the identity at inference."""


class RandomElasticTransform(_Augmentation):
    """Keras ``RandomElasticTransform``: training-time augmentation; the identity at inference."""


class AugMix(_Augmentation):
    """Keras ``AugMix``: training-time augmentation; the identity at inference."""

    def _empty_sublayers(self):
        return _AUGMENT_OPS + (_COLOR_OPS if self.all_ops else ())


class RandAugment(_Augmentation):
    """Keras ``RandAugment``: training-time augmentation; the identity at inference."""

    def _empty_sublayers(self):
        return _AUGMENT_OPS + _COLOR_OPS


class CutMix(_Augmentation):
    """Keras ``CutMix``: training-time augmentation; the identity at inference."""


class MixUp(_Augmentation):
    """Keras ``MixUp``: training-time augmentation; the identity at inference."""


class RandomHeight(_Augmentation):
    """Keras ``RandomHeight``: training-time augmentation; the identity at inference."""


class RandomWidth(_Augmentation):
    """Keras ``RandomWidth``: training-time augmentation; the identity at inference."""


class Equalization(_Augmentation):
    """Keras ``Equalization`` (histogram equalization of each channel over the batch): Keras 3
    applies it only in training; the identity at inference."""


class Solarization(_Augmentation):
    """Keras ``Solarization`` (random additions, inverted above a random threshold): the
    identity at inference."""


class MaxNumBoundingBoxes(_Augmentation):
    """Keras ``MaxNumBoundingBoxes`` (pads or trims a batch's bounding boxes to
    ``max_number``): images pass through unchanged."""

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("fill_value", None)  # Keras's config leaves it out (no effect on images)
        return config
