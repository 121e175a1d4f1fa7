"""``keras.tree``: nested structures (lists, tuples, namedtuples, dicts) for layers written
for Keras. Dicts flatten in sorted key order and ``None`` is a leaf, as Keras 3's."""

from __future__ import annotations

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]


class _MapToNone:
    """traverse's marker: a function returning it maps the node to None."""


MAP_TO_NONE = _MapToNone()


def is_nested(structure) -> bool:
    return isinstance(structure, (list, tuple, dict))


def _children(structure):
    if isinstance(structure, dict):
        return [(k, structure[k]) for k in sorted(structure)]
    return list(enumerate(structure))


def _rebuild(structure, values):
    if isinstance(structure, dict):
        keys = sorted(structure)
        return type(structure)((k, v) for k, v in zip(keys, values)) \
            if not hasattr(structure, "default_factory") else dict(zip(keys, values))
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):  # a namedtuple
        return type(structure)(*values)
    return type(structure)(values)


def flatten(structure) -> list:
    if not is_nested(structure):
        return [structure]
    return [leaf for _, child in _children(structure) for leaf in flatten(child)]


def flatten_with_path(structure) -> list:
    if not is_nested(structure):
        return [((), structure)]
    return [((key, *path), leaf) for key, child in _children(structure)
            for path, leaf in flatten_with_path(child)]


def pack_sequence_as(structure, flat_sequence):
    flat = list(flat_sequence)
    if len(flat) != len(flatten(structure)):
        raise ValueError(f"the structure has {len(flatten(structure))} leaves but "
                         f"{len(flat)} values were given")
    position = iter(flat)

    def pack(node):
        if not is_nested(node):
            return next(position)
        return _rebuild(node, [pack(child) for _, child in _children(node)])

    return pack(structure)


def assert_same_structure(a, b, check_types=True) -> None:
    if is_nested(a) != is_nested(b):
        raise ValueError(f"the structures differ: {a!r} and {b!r}")
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b) and not (
            isinstance(a, list) and isinstance(b, list)):
        raise ValueError(f"the structures differ in type: {type(a).__name__} and "
                         f"{type(b).__name__}")
    ka, kb = [k for k, _ in _children(a)], [k for k, _ in _children(b)]
    if ka != kb:
        raise ValueError(f"the structures differ: {a!r} and {b!r}")
    for (_, x), (_, y) in zip(_children(a), _children(b)):
        assert_same_structure(x, y, check_types)


def map_structure(func, *structures):
    if not structures:
        raise ValueError("map_structure needs at least one structure")
    for other in structures[1:]:
        assert_same_structure(structures[0], other, check_types=False)
    leaves = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*args) for args in zip(*leaves)])


def assert_same_paths(a, b) -> None:
    """ValueError unless the leaves of ``a`` and ``b`` sit at the same paths (indices of
    sequences, keys of dicts), whatever the container types."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(
        isinstance(d, (int, type(None))) for d in x)


def map_shape_structure(func, structure):
    """``map_structure`` whose leaves are shapes too: a list or tuple of ints and Nones is
    handed to ``func`` whole."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, child)
                                for _, child in _children(structure)])


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` on the parts of ``structures`` at the leaves of ``shallow_structure``."""
    def parts(node, shallow):
        if not is_nested(shallow):
            return [node]
        return [p for (key, child) in _children(shallow)
                for p in parts(node[key], child)]

    values = [func(*args) for args in zip(*(parts(s, shallow_structure) for s in structures))]
    return pack_sequence_as(shallow_structure, values)


def lists_to_tuples(structure):
    if not is_nested(structure):
        return structure
    values = [lists_to_tuples(child) for _, child in _children(structure)]
    return tuple(values) if isinstance(structure, list) else _rebuild(structure, values)


def traverse(func, structure, top_down=True):
    """Keras's traverse: ``func`` on every node (top down: a non-None result replaces the
    node and is not descended into; MAP_TO_NONE maps it to None)."""
    def visit(node):
        if top_down:
            result = func(node)
            if result is MAP_TO_NONE:
                return None
            if result is not None:
                return result
            if not is_nested(node):
                return node
            return _rebuild(node, [visit(child) for _, child in _children(node)])
        rebuilt = node if not is_nested(node) else _rebuild(
            node, [visit(child) for _, child in _children(node)])
        result = func(rebuilt)
        return None if result is MAP_TO_NONE else (rebuilt if result is None else result)

    return visit(structure)
