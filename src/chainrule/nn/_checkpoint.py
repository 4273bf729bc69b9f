"""Checkpoints: ``save`` / ``load`` pytrees of arrays (Modules included).

Two formats, chosen by the file name:

- ``.npz`` (the default for any other name): a plain NumPy archive, one entry per leaf
  (``leaf_0``, ``leaf_1``...) and ``__chainrule__``, a JSON description (leaf names, shapes,
  dtypes, the tree's structure and user metadata) stored as bytes;
- ``.safetensors``: the safetensors layout (an 8-byte header length, a JSON header, raw
  little-endian data), tensors named as in PyTorch (``layers.0.weight``), the description in
  the header's ``__metadata__``.  Such files are read by other libraries, and files written
  by them load here by name.

Nothing is pickled: loading uses ``allow_pickle=False`` or parses JSON and raw bytes, and
never runs code from the file; the model's structure comes from the ``like=`` argument, so
a file can only fill in arrays.
"""

from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

from chainrule.tree_util import tree_flatten, tree_unflatten

from ._module import is_array, named_leaves

__all__ = ["save", "load", "load_metadata", "CheckpointError", "state_dict", "load_state_dict"]

_FORMAT = "chainrule.nn checkpoint"
_VERSION = 1
_HEADER = "__chainrule__"


class CheckpointError(ValueError):
    """A checkpoint file is unreadable or does not fit the model it is loaded into."""


def _describe(tree, who):
    leaves, treedef = tree_flatten(tree)
    names = [p for p, _ in named_leaves(tree)]
    entries, arrays = [], []
    for name, x in zip(names, leaves):
        if isinstance(x, (bool, int, float, complex)):
            kind, arr = type(x).__name__, np.asarray(x)
        elif isinstance(x, np.generic):
            kind, arr = "numpy_scalar", np.asarray(x)
        elif isinstance(x, np.ndarray):
            kind, arr = "array", x
        elif is_array(x):
            if "Tracer" in type(x).__name__:
                raise TypeError(f"{who}: the leaf {name!r} is a traced value; save concrete "
                                "arrays, outside grad/jit/vmap")
            kind, arr = "array", np.asarray(x)
        else:
            raise TypeError(f"{who}: the leaf {name!r} is a {type(x).__name__}; checkpoints "
                            "hold arrays and numbers only (make other values static fields "
                            "of a Module)")
        if arr.dtype.hasobject:
            raise TypeError(f"{who}: the leaf {name!r} has dtype object, which cannot be "
                            "stored without pickling")
        entries.append({"name": name, "kind": kind, "shape": list(arr.shape),
                        "dtype": arr.dtype.str})
        arrays.append(arr)
    return entries, arrays, treedef


_ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4",
              "I16": "<i2", "I8": "|i1", "U64": "<u8", "U32": "<u4", "U16": "<u2",
              "U8": "|u1", "BOOL": "|b1"}
_ST_CODES = {np.dtype(v): k for k, v in _ST_DTYPES.items()}


def _write_safetensors(f, entries, arrays, description):
    names = [e["name"] for e in entries]
    if len(set(names)) != len(names) or "__metadata__" in names:
        raise ValueError("nn.save: two leaves have the same dotted name (or one is named "
                         "__metadata__); a .safetensors file needs unique names; save as .npz")
    header = {"__metadata__": {"chainrule": description}}
    blobs, offset = [], 0
    for e, a in zip(entries, arrays):
        le = a.dtype.newbyteorder("<") if a.dtype.byteorder not in "|=" else a.dtype
        code = _ST_CODES.get(np.dtype(le).newbyteorder("="))
        if code is None:
            raise TypeError(f"nn.save: the leaf {e['name']!r} has dtype {a.dtype}, which "
                            "safetensors cannot store; save as .npz")
        data = np.ascontiguousarray(a, dtype=le).tobytes()
        header[e["name"]] = {"dtype": code, "shape": list(a.shape),
                             "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # align the data to 8 bytes
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for b in blobs:
        f.write(b)


def _read_safetensors(path):
    """``(metadata dict, {name: array})``; raises ValueError on a malformed file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("shorter than a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"the header claims {n} bytes, the file has {len(data) - 8}")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    buf = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        code = info.get("dtype")
        if code not in _ST_DTYPES:
            raise ValueError(f"tensor {name!r} has dtype {code!r}, which chainrule does not "
                             "read")
        dtype = np.dtype(_ST_DTYPES[code])
        shape = tuple(int(d) for d in info["shape"])
        begin, end = (int(o) for o in info["data_offsets"])
        if not 0 <= begin <= end <= len(buf) or \
                end - begin != math.prod(shape) * dtype.itemsize:
            raise ValueError(f"tensor {name!r} has inconsistent offsets {begin}..{end} for "
                             f"shape {shape} and dtype {code}")
        tensors[name] = np.frombuffer(buf[begin:end], dtype=dtype).reshape(shape).copy()
    return meta, tensors


def save(path, tree, *, metadata=None):
    """Write the arrays of ``tree`` (a Module or any pytree of arrays) to ``path``.

    The write is atomic: the data goes to a temporary file in the same folder, which then
    replaces ``path``; an error (or a crash) leaves any existing file untouched.  Arrays
    round-trip bit for bit.

    Parameters
    ----------
    path : str or os.PathLike
        Target file, used as given: a name ending in ``.safetensors`` is written in that
        format, any other name as ``.npz``.
    tree : pytree
        A Module, or dicts/lists/tuples of arrays and numbers.
    metadata : dict, optional
        JSON-serialisable information kept with the arrays (epoch, loss, configuration...);
        read it back with :func:`load_metadata`.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from chainrule import nn
    >>> model = nn.Linear(3, 2, key=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> nn.save(path, model, metadata={"epoch": 3})
    >>> restored = nn.load(path, like=nn.Linear(3, 2, key=1))
    >>> bool((restored.weight == model.weight).all()), nn.load_metadata(path)
    (True, {'epoch': 3})
    """
    entries, arrays, treedef = _describe(tree, "nn.save")
    try:
        header = json.dumps({"format": _FORMAT, "version": _VERSION, "leaves": entries,
                             "structure": repr(treedef), "metadata": metadata})
    except TypeError as e:
        raise TypeError(f"nn.save: metadata must be JSON-serialisable ({e})") from None
    import tempfile  # deferred: `import chainrule` should not pay for it

    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"nn.save: {path} is a directory; give the name of the file "
                                "to write in it, e.g. os.path.join(folder, 'model.npz')")
    folder = os.path.dirname(os.path.abspath(path))
    payload = {f"leaf_{i}": a for i, a in enumerate(arrays)}
    payload[_HEADER] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if path.endswith(".safetensors"):
                _write_safetensors(f, entries, arrays, header)
            else:
                np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _check_header(header, path):
    if header.get("format") != _FORMAT:
        raise CheckpointError(f"nn.load: {path} is not a chainrule checkpoint")
    if header.get("version") != _VERSION:
        raise CheckpointError(f"nn.load: {path} has checkpoint version "
                              f"{header.get('version')}; this chainrule reads version "
                              f"{_VERSION}")


def _read(path):
    """``(description or None, [arrays] or None, {name: array})``: the description and
    arrays of a chainrule checkpoint, or None and the named arrays of a foreign file."""
    import zipfile

    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic.startswith(b"PK"):
            with np.load(path, allow_pickle=False) as npz:
                if _HEADER not in npz.files:
                    return None, None, {k: npz[k] for k in npz.files}
                header = json.loads(bytes(npz[_HEADER]).decode("utf-8"))
                _check_header(header, path)
                arrays = [npz[f"leaf_{i}"] for i in range(len(header["leaves"]))]
                return header, arrays, None
        meta, tensors = _read_safetensors(path)
        if "chainrule" not in meta:
            return None, None, tensors
        header = json.loads(meta["chainrule"])
        _check_header(header, path)
        arrays = []
        for e in header["leaves"]:
            a = tensors[e["name"]]
            arrays.append(a.astype(np.dtype(e["dtype"]), copy=False))
        return header, arrays, None
    except (CheckpointError, FileNotFoundError, IsADirectoryError):
        raise
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, KeyError, TypeError,
            AttributeError, UnicodeDecodeError, struct.error) as e:
        raise CheckpointError(f"nn.load: cannot read {path}: the file is truncated, corrupted "
                              f"or not a checkpoint ({type(e).__name__}: {e})") from None


def load_metadata(path):
    """The ``metadata`` stored by :func:`save` (None if none was given, or if the file was
    not written by chainrule)."""
    header = _read(path)[0]
    return None if header is None else header["metadata"]


def load(path, *, like):
    """Read a checkpoint written by :func:`save` into the structure of ``like``.

    ``like`` is a model (or pytree) of the same architecture, e.g. freshly initialised: its
    static fields and structure are kept, its arrays replaced by the file's.  Leaf names,
    shapes and dtypes must match exactly.  A ``.npz`` or ``.safetensors`` file written by
    another program (e.g. a PyTorch ``state_dict``) is matched by name, as
    :func:`load_state_dict` does.

    Raises
    ------
    CheckpointError
        The file is truncated or corrupted, is not a checkpoint, or holds another
        structure (the error names the first differing leaf).

    Examples
    --------
    See :func:`save`.
    """
    header, arrays, named = _read(path)
    if header is None:  # written by another program: match the arrays by name
        try:
            return load_state_dict(like, named)
        except (KeyError, ValueError) as e:
            raise CheckpointError(f"nn.load: {os.fspath(path)} was not written by chainrule "
                                  f"and its arrays do not match `like` by name: "
                                  f"{e.args[0]}") from None
    entries, _, treedef = _describe(like, "nn.load (like)")
    stored = header["leaves"]
    names_file = [e["name"] for e in stored]
    names_like = [e["name"] for e in entries]
    if names_file != names_like:
        only_file = [n for n in names_file if n not in names_like]
        only_like = [n for n in names_like if n not in names_file]
        raise CheckpointError(
            f"nn.load: {os.fspath(path)} holds another structure than `like`: "
            f"{len(names_file)} arrays in the file, {len(names_like)} in the model"
            + (f"; only in the file: {only_file[:5]}" if only_file else "")
            + (f"; only in the model: {only_like[:5]}" if only_like else "")
            + ("; same names in another order" if not only_file and not only_like else ""))
    out = []
    for e_file, e_like, arr in zip(stored, entries, arrays):
        name = e_file["name"]
        if list(arr.shape) != e_file["shape"] or arr.dtype.str != e_file["dtype"]:
            raise CheckpointError(f"nn.load: {os.fspath(path)} is corrupted: the array "
                                  f"{name!r} does not match its description")
        if e_file["shape"] != e_like["shape"] or e_file["dtype"] != e_like["dtype"]:
            raise CheckpointError(
                f"nn.load: {name!r} has shape {tuple(e_file['shape'])} and dtype "
                f"{np.dtype(e_file['dtype'])} in {os.fspath(path)}, but shape "
                f"{tuple(e_like['shape'])} and dtype {np.dtype(e_like['dtype'])} in `like`")
        kind = e_like["kind"]
        if kind in ("bool", "int", "float", "complex"):
            out.append(arr.item())
        elif kind == "numpy_scalar":
            out.append(arr[()])
        else:
            out.append(arr)
    return tree_unflatten(treedef, out)


def state_dict(tree):
    """``{name: array}`` for every leaf of ``tree``, named as in PyTorch's ``state_dict``
    (``"layers.0.weight"``): the bridge to other libraries' weights.

    Examples
    --------
    >>> from chainrule import nn
    >>> sorted(nn.state_dict(nn.Linear(3, 2, key=0)))
    ['bias', 'weight']
    """
    return dict(named_leaves(tree))


def load_state_dict(like, state, *, strict=True):
    """A copy of ``like`` whose leaves are taken from ``state`` (a ``{name: array}`` dict,
    e.g. converted from a PyTorch ``state_dict`` with ``{k: v.numpy() for k, v in
    sd.items()}``).

    Every array must have the shape of the leaf it replaces; it is converted to that leaf's
    dtype only when the conversion is exact.  With ``strict=True`` (the default) names
    missing from ``state`` or unknown to ``like`` are an error; with ``strict=False``
    missing leaves keep ``like``'s values and unknown names are ignored.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> layer = nn.load_state_dict(nn.Linear(2, 1, key=0),
    ...                            {"weight": np.array([[1.0, 2.0]]), "bias": np.array([0.5])})
    >>> layer(np.array([1.0, 1.0]))
    array([3.5])
    """
    named = named_leaves(like)
    names = [n for n, _ in named]
    missing = [n for n in names if n not in state]
    unexpected = [k for k in state if k not in set(names)]
    if strict and (missing or unexpected):
        raise KeyError("load_state_dict: the names do not match the model"
                       + (f"; missing: {missing[:8]}" if missing else "")
                       + (f"; unexpected: {unexpected[:8]}" if unexpected else "")
                       + ". Pass strict=False to load what matches.")
    leaves, treedef = tree_flatten(like)
    out = []
    for (name, old), leaf in zip(named, leaves):
        if name not in state:
            out.append(leaf)
            continue
        new = np.asarray(state[name])
        old_shape, old_dtype = tuple(np.shape(old)), np.result_type(old)
        if new.shape != old_shape:
            raise ValueError(f"load_state_dict: {name!r} has shape {new.shape} in the state "
                             f"but {old_shape} in the model")
        if new.dtype != old_dtype:
            converted = new.astype(old_dtype)
            if not np.array_equal(converted.astype(new.dtype), new, equal_nan=True):
                raise ValueError(f"load_state_dict: {name!r} has dtype {new.dtype} in the "
                                 f"state and {old_dtype} in the model, and the conversion "
                                 "is not exact; convert it explicitly")
            new = converted
        out.append(new if isinstance(old, np.ndarray) or is_array(old) else
                   type(old)(new.item()))
    return tree_unflatten(treedef, out)
