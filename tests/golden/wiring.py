"""How a golden case's model is put together from its stored description (the JSON config of
generate_golden.py's docstring), written once for Keras (generate_golden.py) and for fusedrnn
(test_golden.py). ``api`` has ``layers``, ``Input``, ``Sequential`` and ``Model``: the keras
module, or fusedrnn's equivalents."""

from __future__ import annotations


def make_layer(api, spec: dict):
    if spec["class_name"] in ("Sequential", "Model"):  # a model used as a layer
        build = build_sequential if spec["class_name"] == "Sequential" else build_functional
        model = build(api, spec["model"])
        model.trainable = spec["model"].get("trainable", True)
        return model
    cls = getattr(api.layers, spec["class_name"])
    kwargs = dict(spec["config"])
    if "layer" in spec:
        kwargs["layer"] = make_layer(api, spec["layer"])
    if "backward_layer" in spec:
        kwargs["backward_layer"] = make_layer(api, spec["backward_layer"])
    if "cell" in spec:  # RNN's cell: one, or a list (a stack)
        cell = spec["cell"]
        kwargs["cell"] = ([make_layer(api, c) for c in cell] if isinstance(cell, list)
                          else make_layer(api, cell))
    return cls(**kwargs)


def resolve(tensors: dict, ref):
    if isinstance(ref, list):  # a merge layer's inputs
        return [resolve(tensors, r) for r in ref]
    name, _, index = ref.partition(":")
    value = tensors[name]
    return value[int(index)] if index else value


def build_sequential(api, cfg: dict):
    stack = [make_layer(api, spec) for spec in cfg["layers"]]
    if cfg["input"] is not None:
        stack = [api.Input(**cfg["input"]), *stack]
    if cfg.get("build", "list") == "add":
        model = api.Sequential(name=cfg.get("name"))
        for item in stack:
            model.add(item)
        return model
    return api.Sequential(stack, name=cfg.get("name"))


def build_functional(api, cfg: dict):
    if "inputs" in cfg:
        tensors = {spec["id"]: api.Input(**spec["input"]) for spec in cfg["inputs"]}
        inputs = [tensors[spec["id"]] for spec in cfg["inputs"]]
        if cfg["input_struct"] == "dict":
            inputs = {spec["input"]["name"]: t for spec, t in zip(cfg["inputs"], inputs)}
    else:
        inputs = api.Input(**cfg["input"])
        tensors = {"input": inputs}
    layers = {}  # node id -> its layer ("shared": a node id calls that node's layer again)
    for node in cfg["nodes"]:
        layer = layers[node["shared"]] if "shared" in node else make_layer(api, node["layer"])
        layers[node["id"]] = layer
        kwargs = dict(node.get("call", {}))  # call arguments: return_attention_scores=True, ...
        if "initial_state" in node:
            kwargs["initial_state"] = [resolve(tensors, r) for r in node["initial_state"]]
        for key, ref in node.get("call_tensors", {}).items():  # attention_mask=<tensor>, ...
            kwargs[key] = resolve(tensors, ref)
        if node.get("positional"):  # several tensor arguments: mha(query, value, key)
            tensors[node["id"]] = layer(*resolve(tensors, node["inputs"]), **kwargs)
        else:
            tensors[node["id"]] = layer(resolve(tensors, node["inputs"]), **kwargs)
    outputs = cfg["outputs"]
    if isinstance(outputs, dict):
        return api.Model(inputs, {k: resolve(tensors, r) for k, r in outputs.items()},
                         name=cfg.get("name"))
    return api.Model(inputs, [resolve(tensors, r) for r in outputs], name=cfg.get("name"))


def stateful_layers(model) -> list:
    """The stateful layers of a model (in the models it holds too), or the layer itself."""
    found = []
    for layer in model.layers if hasattr(model, "layers") else [model]:
        if getattr(layer, "stateful", False):
            found.append(layer)
        elif hasattr(layer, "layers"):  # a nested model
            found += stateful_layers(layer)
    return found
