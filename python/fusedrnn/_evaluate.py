"""``Model.compile`` and ``Model.evaluate``: the loss and metrics Keras 3 reports for a model
on labelled data, computed on fusedrnn's predictions.

As Keras 3's trainer (TensorFlow backend): the data run in batches (32 by default); each
batch's loss is the sum over outputs of (loss weight x that output's loss), each output's loss
reduced with the batch's sample weights and the output's mask; the reported loss is the mean
of the batch losses weighted by batch size; ``metrics`` accumulate without sample weights and
``weighted_metrics`` with them; with several outputs, each output's loss is also reported
(``<output>_loss``: there Keras 3's TensorFlow trainer takes the plain mean over batches, since
the batch size is unknown in its compiled step; Keras 2's, restored from a Keras 2 file,
weights them by batch size) and metric names are prefixed by their output's name. The loss
includes the layers' regularization penalties, as Keras's: each weight regularizer's penalty
on its weight, and each activity regularizer's on the layer's outputs divided by the batch
size (ActivityRegularization layers included).
"""

from __future__ import annotations

import numpy as np

from . import _backend, losses, metrics, optimizers

_CROSSENTROPY = ("crossentropy", "ce")
_ACCURACY = ("accuracy", "acc")
_KERAS2_COMPILE_ARGS = ("sample_weight_mode", "target_tensors", "distribute",
                        "experimental_steps_per_execution", "pss_evaluation_shards")


def _flat(value) -> list:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _check_loss(identifier) -> None:
    """Refuse an unknown loss at compile time (Keras resolves names there too)."""
    if identifier is None or (isinstance(identifier, str)
                              and identifier.lower() in _CROSSENTROPY):
        return
    losses.get(identifier)


def _check_metric(identifier) -> None:
    if identifier is None:
        raise ValueError("metrics: expected a metric, got None")
    if isinstance(identifier, str) and identifier.lower() in _ACCURACY:
        return
    metrics.get(identifier)


def _kind(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[bool, bool]:
    """Keras's is_binary_or_sparse_categorical."""
    binary = y_pred.shape[-1:] == (1,)
    sparse = y_true.ndim < y_pred.ndim or (y_true.shape[-1:] == (1,) and not binary)
    return binary, sparse


def _resolve_loss(identifier, y_true, y_pred):
    """Keras's get_loss: "crossentropy" picks binary, sparse or categorical by the shapes;
    a function becomes a LossFunctionWrapper named after it."""
    if isinstance(identifier, str) and identifier.lower() in _CROSSENTROPY:
        binary, sparse = _kind(y_true, y_pred)
        found = (losses.binary_crossentropy if binary else
                 losses.sparse_categorical_crossentropy if sparse else
                 losses.categorical_crossentropy)
    else:
        found = losses.get(identifier)
    if isinstance(found, losses.Loss):
        return found
    name = identifier if isinstance(identifier, str) else getattr(found, "__name__", None)
    return losses.LossFunctionWrapper(found, name=name)


def _resolve_metric(identifier, y_true, y_pred):
    """Keras's get_metric: "accuracy" picks binary, sparse or categorical accuracy by the
    shapes; the metric is named by the string it was given as, else by its own name."""
    if isinstance(identifier, str) and identifier.lower() in _ACCURACY:
        binary, sparse = _kind(y_true, y_pred)
        cls = (metrics.BinaryAccuracy if binary else
               metrics.SparseCategoricalAccuracy if sparse else metrics.CategoricalAccuracy)
        found = cls(name=identifier)
    else:
        found = metrics.get(identifier)
    name = (identifier if isinstance(identifier, str)
            else getattr(found, "name", None) or getattr(found, "__name__", None))
    if not isinstance(found, metrics.Metric):
        found = metrics.MeanMetricWrapper(found, name=name)
    found.name = name
    return found


def _update(metric, y_true, y_pred, sample_weight, mask) -> None:
    if isinstance(metric, (metrics.MeanMetricWrapper, metrics.RootMeanSquaredError,
                           metrics._Confusion, metrics.FBetaScore, metrics.R2Score)):
        metric.update_state(y_true, y_pred, sample_weight, mask=mask)
    else:  # a user's Metric subclass
        metric.update_state(y_true, y_pred, sample_weight=sample_weight)


def _result(metric) -> float | list:
    value = metric.result()
    value = _backend.to_numpy(value) if _backend.is_cupy_array(value) else np.asarray(value)
    return float(value) if value.ndim == 0 else value.astype(float).tolist()


class Compiled:
    """What ``compile`` was given, checked; resolved against the data on first use."""

    def __init__(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                 weighted_metrics=None):
        for name, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"compile: {name} must be a list, tuple or dict of metrics, "
                                 f"got {value!r} ({type(value).__name__})")
        if isinstance(loss_weights, bool) or (loss_weights is not None and not isinstance(
                loss_weights, (list, tuple, dict, float, int))):
            raise ValueError(f"compile: loss_weights must be a float (one output) or a list "
                             f"or dict (several), got {loss_weights!r}")
        self.optimizer = None if optimizer is None else optimizers.get(optimizer)
        for item in _flat(loss):
            _check_loss(item)
        for group in (metrics, weighted_metrics):
            for item in _flat(group or []):
                for each in _flat(item):
                    _check_metric(each)
        self.loss, self.loss_weights = loss, loss_weights
        self.keras2 = False  # Keras 2's averaging of each output's loss (a Keras 2 file)
        self.output_keys = None  # a dict's keys of the model's outputs (set by evaluate)
        self.metrics, self.weighted_metrics = metrics, weighted_metrics
        self._built = None

    @property
    def dict_outputs(self) -> bool:
        """Outputs named by their dict keys (Keras 3; a Keras 2 file names them by layer,
        its dicts still matched by key)."""
        return self.output_keys is not None and not self.keras2

    def config(self) -> dict:
        """Keras's get_compile_config: what compile was given."""
        return {"optimizer": self.optimizer, "loss": self.loss,
                "loss_weights": self.loss_weights, "metrics": self.metrics,
                "weighted_metrics": self.weighted_metrics}

    # ----------------------------------------------------------- resolving per output
    def _per_output(self, value, names: list[str], what: str) -> list:
        """``value`` (one for all outputs, a list in output order, or a dict by output name)
        as a list with one entry (or None) per output."""
        n = len(names)
        keys = self.output_keys or names
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(names) - set(keys))
            if unknown:
                raise ValueError(f"compile: {what} names outputs {unknown}; the model's "
                                 f"outputs are {names}")
            return [value.get(key, value.get(name)) for key, name in zip(keys, names)]
        if isinstance(value, (list, tuple)) and what != "metrics":
            if len(value) != n:
                raise ValueError(f"compile: {what} has {len(value)} entries for "
                                 f"{n} output(s) {names}")
            return list(value)
        return [value] * n

    def _metric_groups(self, value, names: list[str], what: str) -> list[list]:
        n = len(names)
        if not value:
            return [[] for _ in names]
        if n == 1:
            return [[m for item in _flat(value) for m in _flat(item)]]
        if isinstance(value, dict):
            groups = self._per_output(value, names, what)
        elif len(value) == n:
            groups = list(value)
        else:
            raise ValueError(f"compile: with {n} outputs, {what} must be a list with one "
                             f"entry per output or a dict by output name {names}; got "
                             f"{value!r}")
        return [[] if g is None else _flat(g) for g in groups]

    def _build(self, names, y_true, y_pred) -> None:
        n = len(names)
        loss = self.loss
        if isinstance(loss, dict) and set(loss) not in (set(names),
                                                        set(self.output_keys or names)):
            raise ValueError(f"compile: expected the keys {names} in the loss dict, found "
                             f"{list(loss)}")
        flat_losses = self._per_output(loss, names, "loss")
        weights = self.loss_weights
        if weights is None:
            weights = [None] * n
        elif isinstance(weights, (int, float)):
            weights = [weights] * n
        else:
            weights = self._per_output(weights, names, "loss_weights")
        self._losses = []
        for i, (identifier, weight) in enumerate(zip(flat_losses, weights)):
            if identifier is not None:
                self._losses.append((i, _resolve_loss(identifier, y_true[i], y_pred[i]),
                                     weight, names[i]))
        if isinstance(loss, dict) and self.dict_outputs:  # Keras: in the loss dict's order
            order = list(loss)
            self._losses.sort(key=lambda item: order.index(self.output_keys[item[0]]))
        self._loss_means = ([metrics.Mean(name=f"{name}_loss") for _, _, _, name in
                             self._losses] if len(self._losses) > 1 else [])
        prefix = n > 1
        self._metrics, self._weighted = [], []
        taken: dict[str, int] = {}
        for target, user in ((self._metrics, self.metrics),
                             (self._weighted, self.weighted_metrics)):
            for i, group in enumerate(self._metric_groups(user, names, "metrics")):
                for identifier in group:
                    metric = _resolve_metric(identifier, y_true[i], y_pred[i])
                    key = f"{names[i]}_{metric.name}" if prefix else metric.name
                    if key in taken and target is self._weighted:
                        key = (f"{names[i]}_weighted_{metric.name}" if prefix
                               else f"weighted_{metric.name}")
                    if key in taken:
                        taken[key] += 1
                        key = f"{key}_{taken[key] - 1}"
                    else:
                        taken[key] = 1
                    target.append((i, metric, key))
        self._built = tuple(names)

    # ----------------------------------------------------------- evaluating
    def batch(self, names, y_true: list, y_pred: list, masks: list, sample_weight: list):
        """Update the metrics with one batch; returns the batch's total loss."""
        if self._built != tuple(names):
            self._build(names, y_true, y_pred)
        total = 0.0
        for (i, loss, weight, name), mean in zip(self._losses,
                                                  self._loss_means or [None] * len(self._losses)):
            if y_true[i] is None:
                raise ValueError(f"output {name!r} has a loss but y has no targets for it")
            value = float(loss(y_true[i], y_pred[i], sample_weight[i], mask=masks[i]))
            if mean is not None:  # Keras 3.15 (TensorFlow): a plain mean over the batches;
                # Keras 2: weighted by batch size
                mean.update_state(value, y_pred[i].shape[0] if self.keras2 else None)
            total += value if weight is None else value * weight
        for i, metric, _ in self._metrics:
            _update(metric, y_true[i], y_pred[i], None, masks[i])
        for i, metric, _ in self._weighted:
            _update(metric, y_true[i], y_pred[i], sample_weight[i], masks[i])
        return total

    def reset(self) -> None:
        if self._built is not None:
            for metric in [*self._loss_means, *(m for _, m, _ in self._metrics),
                           *(m for _, m, _ in self._weighted)]:
                metric.reset_state()

    def results(self, loss: float) -> dict:
        logs = {"loss": loss}
        for mean, (_, _, _, name) in zip(self._loss_means, self._losses):
            logs[f"{name}_loss"] = _result(mean)
        for _, metric, key in [*self._metrics, *self._weighted]:
            logs[key] = _result(metric)
        return logs

    def in_order(self, logs: dict):
        """Keras's _flatten_metrics_in_order: the loss, each output's loss, the metrics
        whose own names are log keys (a name twice, twice), then the other keys sorted; one
        value alone is returned as it is."""
        first = ["loss", *(m.name for m in self._loss_means),
                 *(m.name for _, m, _ in [*self._metrics, *self._weighted])]
        values = [logs[k] for k in first if k in logs]
        values += [logs[k] for k in sorted(logs) if k not in first]
        return values[0] if len(values) == 1 else values


# A layer's weight regularizer argument -> the weight it regularizes (attention layers: the
# same weight of each projection, query_kernel, ..., as Keras gives them the argument).
_REGULARIZED = {"kernel": "kernel", "recurrent": "recurrent_kernel", "bias": "bias",
                "embeddings": "embeddings", "depthwise": "depthwise_kernel",
                "pointwise": "pointwise_kernel", "gamma": "gamma", "beta": "beta",
                "alpha": "alpha"}
_PROJECTIONS = ("query", "key", "value", "output")


def _sublayers(layer) -> list:
    from .layers import Layer
    from .models import Model

    if isinstance(layer, Model):
        return layer._weight_layers()
    return [child for attr in ("forward_layer", "backward_layer", "layer")
            if isinstance(child := layer.__dict__.get(attr), Layer)]


def _all_layers(model) -> list:
    out, todo = [], list(_sublayers(model))
    while todo:
        layer = todo.pop(0)
        out.append(layer)
        todo[:0] = _sublayers(layer)
    return out


def weight_penalty(model) -> float:
    """The sum of the layers' weight-regularization penalties (Keras adds it to the loss)."""
    from . import regularizers

    total = 0.0
    for layer in _all_layers(model):
        for arg, spec in layer.__dict__.get("_training_args", {}).items():
            part = arg[:-len("_regularizer")] if arg.endswith("_regularizer") else None
            if part not in _REGULARIZED:
                continue
            target = _REGULARIZED[part]
            penalty = regularizers.get(spec)
            for key, w in layer._params.items():
                head, _, tail = key.partition("_")
                if key == target or (head in _PROJECTIONS and tail == target):
                    total += float(penalty(_host(w)))
    return total


def activity_regularizer(layer):
    """A layer's activity regularizer (ActivityRegularization's own l1/l2), or None."""
    from . import regularizers

    if type(layer).__name__ == "ActivityRegularization":
        return regularizers.L1L2(layer.l1, layer.l2)
    spec = layer.__dict__.get("_training_args", {}).get("activity_regularizer")
    return None if spec is None else regularizers.get(spec)


def _activity_observer(model, penalties: list, keras2: bool):
    """Adds each activity-regularized layer's penalty on its outputs, divided by their first
    dimension as Keras does, to ``penalties`` (the regularizers read once, before the
    batches). The layers a Bidirectional wraps count (Keras calls them as layers); the one
    in a TimeDistributed counts in Keras 2 only (over batch * timesteps rows, one call):
    Keras 3 runs that layer's ``call`` alone, without its regularizer."""
    from .layers._base import flatten

    layers = _all_layers(model)
    if not keras2:
        skipped = {id(layer.layer) for layer in layers
                   if type(layer).__name__ == "TimeDistributed"}
        layers = [layer for layer in layers if id(layer) not in skipped]
    regularizers = {id(layer): r for layer in layers
                    if (r := activity_regularizer(layer)) is not None}

    def observe(layer, outputs):
        regularizer = regularizers.get(id(layer))
        if regularizer is None:
            return
        for out in flatten(outputs):
            if out is None or not hasattr(out, "shape"):
                continue
            out = _host(out)
            value = float(regularizer(out))
            penalties.append(value / out.shape[0] if out.ndim else value)

    return observe


def _rows(a, what: str) -> int:
    shape = getattr(a, "shape", None)
    if shape is None or len(shape) == 0:
        raise ValueError(f"{what} must be an array with one row per sample")
    return int(shape[0])


def _host(a):
    return _backend.to_numpy(a) if _backend.is_cupy_array(a) else np.asarray(a)


def _targets(model, y, names: list[str], what: str) -> list:
    """``y`` as a list with one array per output: one array (one output), a list in output
    order, or a dict keyed by output name (or by the model's output keys)."""
    n = len(names)
    keys = getattr(model, "_output_keys", None) or names
    if isinstance(y, dict):
        lookup = dict(y)
        out = []
        for key, name in zip(keys, names):
            if key in lookup:
                out.append(lookup[key])
            elif name in lookup:
                out.append(lookup[name])
            else:
                raise ValueError(f"{what} has no entry for output {name!r} (keys: "
                                 f"{sorted(lookup)})")
        return [None if v is None else _host(v) for v in out]
    if isinstance(y, (list, tuple)) and n > 1:
        if len(y) != n:
            raise ValueError(f"{what} has {len(y)} arrays for the model's {n} outputs")
        return [None if v is None else _host(v) for v in y]
    if n > 1:
        if what == "sample_weight":
            return [_host(y)] * n
        raise ValueError(f"the model has {n} outputs {names}: {what} must be a list or a "
                         f"dict of {n} arrays")
    return [_host(y)]


def _names(model, compiled) -> list[str]:
    """The outputs' names: their dict keys (Keras 3), else their layers' (and in Keras 2)."""
    keys = None if model._user_call else model._output_keys
    compiled.output_keys = None if keys is None else list(keys)
    return ([model.name] if model._user_call else list(keys) if compiled.dict_outputs
            else list(model.output_names))


def _array_batches(model, names, x, y, sample_weight, batch_size, steps) -> list:
    """(x, targets per output, weights per output) of each batch of arrays."""
    from .models import _batch_starts

    several = isinstance(x, list)
    n = _rows(x[0] if several else x, "x")
    ys = _targets(model, y, names, "y")
    weights = ([None] * len(names) if sample_weight is None
               else _targets(model, sample_weight, names, "sample_weight"))
    for what, arrays in (("y", ys), ("sample_weight", weights)):
        for name, a in zip(names, arrays):
            if a is not None and _rows(a, what) != n:
                raise ValueError(f"{what} for output {name!r} has {_rows(a, what)} rows; x "
                                 f"has {n}")
    out = []
    for start in _batch_starts(n, batch_size, steps):
        rows = slice(start, start + batch_size)
        out.append(([a[rows] for a in x] if several else x[rows],
                    [None if a is None else a[rows] for a in ys],
                    [None if w is None else w[rows] for w in weights]))
    return out


def _dataset_batches(model, names, data, steps) -> list:
    """The batches of a dataset (utils.timeseries_dataset_from_array's, or any iterator of
    them): each ``(x, y)`` or ``(x, y, sample_weight)``."""
    out = []
    for i, item in enumerate(data):
        if steps is not None and i >= steps:
            break
        if not isinstance(item, tuple) or len(item) not in (2, 3):
            raise ValueError(f"evaluate on a dataset needs batches (x, y) or (x, y, "
                             f"sample_weight); batch {i} is a {type(item).__name__}")
        xb = model._batched_input(item[0], None, 0)[0]
        rows = _rows(xb[0] if isinstance(xb, list) else xb, "x")
        ys = _targets(model, item[1], names, "y")
        weights = ([None] * len(names) if len(item) == 2
                   else _targets(model, item[2], names, "sample_weight"))
        for what, arrays in (("y", ys), ("sample_weight", weights)):
            for a in arrays:
                if a is not None and _rows(a, what) != rows:
                    raise ValueError(f"batch {i} of the dataset: {what} has "
                                     f"{_rows(a, what)} rows, x has {rows}")
        out.append((xb, ys, weights))
    return out


def evaluate(model, x, y, batch_size, verbose, sample_weight, steps, return_dict):
    """Model.evaluate (see the module docstring); ``x`` may be a dataset of (x, y[, w])
    batches (then ``y`` and ``sample_weight`` are not given)."""
    from ._dataset import is_dataset
    from .models import _check_verbose, _ProgressBar

    compiled = getattr(model, "_compiled", None)
    if compiled is None:
        raise RuntimeError("you must call compile() (with the loss and metrics) before "
                           "evaluate(); load_model restores what the model was compiled "
                           "with")
    names = _names(model, compiled)
    if is_dataset(x):
        if y is not None or sample_weight is not None:
            raise ValueError("evaluate on a dataset takes its targets (and sample weights) "
                             "from the dataset's batches; do not give y or sample_weight")
        _check_verbose(verbose)
        batches = _dataset_batches(model, names, x, steps)
    else:
        if y is None:
            raise ValueError("evaluate needs the targets y (or a dataset of (x, y) batches)")
        x, batch_size = model._batched_input(x, batch_size, verbose)
        batches = _array_batches(model, names, x, y, sample_weight, batch_size, steps)
    if verbose == "auto":
        verbose = 1 if len(batches) > 1 else 0
    bar = _ProgressBar(len(batches), verbose) if verbose else None
    from .layers._base import LAYER_OUTPUTS

    compiled.reset()
    total = count = 0.0
    penalty = weight_penalty(model)
    activity: list[float] = []
    token = LAYER_OUTPUTS.set(_activity_observer(model, activity, compiled.keras2))
    try:
        for done, (xb, yb, wb) in enumerate(batches, 1):
            activity.clear()
            if model._user_call:
                preds, masks = [model(xb)], [None]
            else:
                preds, masks = model._execute(xb, None, False)
            preds = [_host(p) for p in preds]
            masks = [None if m is None else _host(m) for m in masks]
            size = preds[0].shape[0]
            loss = compiled.batch(names, yb, preds, masks, wb)
            total += (loss + penalty + sum(activity)) * size
            count += size
            if bar is not None:  # the end line shows the results, as Keras's
                bar.update(done, compiled.results(total / count) if done == len(batches)
                           else None)
    finally:
        LAYER_OUTPUTS.reset(token)
    logs = compiled.results(total / count if count else 0.0)
    return logs if return_dict else compiled.in_order(logs)
