"""The index on disk: parameters, vocabularies and ids as JSON, the arrays raw in one file.

No pickle (a pickled index is code).  `index.json` describes everything: the format version, the
analyzer, the parameters, where each array lies in `arrays.bin`, and checksums; `load_index` refuses
another version or damaged files with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import time
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .index_build import Terms

if TYPE_CHECKING:
    from .index import Index

FORMAT_VERSION = 4
ANALYZER_NAME = "bot.text.analyze/v1"
FIELDS = ("body", "questions")
CHANNELS = ("word", "char")


class IndexFormatError(ValueError):
    """An index folder that cannot be loaded: missing, truncated, corrupted or of another version."""


# The files an index folder holds: `save_index`'s own and the documents `bot.bundle` saves beside them (and
# arrays.npz, which format versions before 3 wrote instead of arrays.bin).
INDEX_FILE_NAMES = frozenset({"index.json", "arrays.bin", "vocabulary.json", "ids.json", "corpus.json",
                              "answerer.json", "report.json", "arrays.npz"})


def is_index_folder(folder: Path) -> bool:
    """True if `folder` holds an index, or what is left of one whose index.json was lost (a copy cut short):
    its arrays.bin and nothing but an index's files. Writing an index there deletes nothing else."""
    if (folder / "index.json").is_file():
        return True
    entries = list(folder.iterdir())
    return (folder / "arrays.bin").is_file() and all(p.is_file() and p.name in INDEX_FILE_NAMES for p in entries)


def check_index_target(folder: str | Path) -> Path:
    """`folder` if an index may be written there: a new path, an empty folder, or a folder holding an index
    (which the new one replaces), whole or partly copied.  Anything else is refused: writing would delete
    what the folder holds."""
    folder = Path(folder)
    if folder.name in ("", ".", ".."):
        folder = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"refusing to write an index to {folder}: it is a file, not a folder; choose a new or "
                         f"empty folder, or an index folder to replace")
    if folder.is_dir() and any(folder.iterdir()) and not is_index_folder(folder):
        raise ValueError(f"refusing to write an index to {folder}: the folder holds other files (it is not an "
                         f"index folder), and writing the index would delete them; choose a new or empty folder")
    others = sorted(p.name for p in folder.iterdir() if p.name not in INDEX_FILE_NAMES) if folder.is_dir() else []
    if others:  # an index folder with a file of someone's beside it: replacing the folder deleted the file
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise ValueError(f"refusing to write an index to {folder}: beside the index it holds other files ({shown}), "
                         "which replacing the folder would delete; move them out, or choose a new or empty folder")
    return folder


def check_index_writable(folder: Path) -> None:
    """An `OSError` now, not after a build, when no index can be written to `folder` (a read-only disk, no
    right to its parent, a file where a parent folder should be): as `save_index` does, it makes the parent
    folder and a temporary folder beside `folder`, which it removes."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    os.rmdir(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))


def save_index(index: Index, folder: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write the index to `folder` atomically: built in a temporary folder, then renamed into place.

    No pickle: parameters and vocabularies are JSON; the arrays (each matrix by row and by term) are
    laid out raw in `arrays.bin`, described in `index.json`, so `load` memory-maps them and several
    server processes share one copy in the page cache.
    `extra` holds further JSON documents saved beside it (the corpus snapshot, the answer model).
    """
    index._check_fitted()
    folder = check_index_target(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would keep a server running as another user out
        arrays: dict[str, np.ndarray] = {
            "question_owner": index.question_owner_, "token_stem": index.token_stem_,
            "token_gram_indptr": index.token_gram_indptr_, "token_gram_indices": index.token_gram_indices_,
        }
        for (field_name, channel), matrix in index.matrices_.items():
            stores = [("", matrix)]
            if (field_name, channel) in index.term_major_:  # a large index keeps no term-major n-grams
                stores.append(("_T", index.term_major_[(field_name, channel)]))
            for suffix, stored in stores:
                prefix = f"{field_name}_{channel}{suffix}"
                arrays[f"{prefix}_indptr"] = stored.indptr
                arrays[f"{prefix}_indices"] = stored.indices
                arrays[f"{prefix}_data"] = stored.data
        for channel in CHANNELS:
            arrays[f"idf_{channel}"] = index.idf_[channel]
        table, size = write_arrays(staging / "arrays.bin", arrays)
        shapes = {f"{f}_{c}": list(m.shape) for (f, c), m in index.matrices_.items()}
        vocabularies = {c: terms_by_column(index.vocabulary_[c]) for c in CHANNELS}
        vocabularies["token"] = terms_by_column(index.tokens_)
        write_json(staging / "vocabulary.json", vocabularies)
        write_json(staging / "ids.json", [str(i) for i in index.ids_])
        for name, document in (extra or {}).items():
            write_json(staging / f"{name}.json", document)
        meta = {
            "format_version": FORMAT_VERSION, "analyzer": ANALYZER_NAME, "params": index.get_params(),
            "glossary": index.glossary or {}, "fingerprint": index.fingerprint(), "built_at": index.built_at_,
            "documents": len(index.ids_), "extra": sorted(extra or {}),
            "arrays": table, "arrays_bytes": size, "shapes": shapes,
            # Every file is checksummed: a corpus.json edited by hand would otherwise be served as answers.
            "files": {name: sha256(staging / name)
                      for name in ("vocabulary.json", "ids.json", *(f"{n}.json" for n in sorted(extra or {})))},
            "arrays_crc32": crc32(staging / "arrays.bin"),
        }
        write_json(staging / "index.json", meta)
        if folder.exists():
            retired = folder.with_name(f".{folder.name}.old-{os.getpid()}-{time.time_ns()}")
            os.rename(folder, retired)
            os.rename(staging, folder)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder

def rebuild_command(folder: str | Path) -> str:
    """The command that builds an index into `folder`. Plain `python train.py` writes $INDEX_DIR or instance/index,
    which is not this folder when a server was given another INDEX_DIR."""
    return f"`python train.py --out {folder}`"


def load_index(cls: type[Index], folder: str | Path, mmap: bool = False) -> Index:
    """Load an index saved by `save`; refuses another format version or damaged files with a clear message.

    With `mmap`, the arrays stay in the file, memory-mapped read-only, and every process that maps it
    shares one copy. Then the folder must only ever be replaced by renaming a new one into place (as
    `save` does): a file rewritten in place under a running server would crash it.
    """
    folder = Path(folder)
    meta_path = folder / "index.json"
    if not meta_path.is_file():
        if folder.is_dir() and any(folder.iterdir()) and not is_index_folder(folder):
            # `python train.py --out` refuses this folder, so it is not the command to give.
            others = sorted(p.name for p in folder.iterdir())
            raise IndexFormatError(
                f"no index at {folder}: index.json is missing and the folder holds other files "
                f"({', '.join(others[:5])}{', ...' if len(others) > 5 else ''}), so it is not an index folder; "
                "give the folder `python train.py --out` wrote (INDEX_DIR or --index), or build one into a new or "
                "empty folder with `python train.py --out NEW_FOLDER`")
        raise IndexFormatError(f"no index at {folder} (index.json is missing); build one with {rebuild_command(folder)}")
    meta = read_json(meta_path)
    if not isinstance(meta, dict) or "format_version" not in meta:
        raise IndexFormatError(f"{meta_path} is not an index description; rebuild with {rebuild_command(folder)}")
    if meta["format_version"] != FORMAT_VERSION:
        raise IndexFormatError(
            f"index at {folder} has format version {meta['format_version']!r}, this program reads version "
            f"{FORMAT_VERSION}; rebuild it with {rebuild_command(folder)}"
        )
    if meta.get("analyzer") != ANALYZER_NAME:
        raise IndexFormatError(f"index at {folder} was built with analyzer {meta.get('analyzer')!r}, "
                               f"not {ANALYZER_NAME!r}; rebuild it with {rebuild_command(folder)}")
    try:
        check_description(meta)
    except ValueError as error:
        raise IndexFormatError(f"index at {folder} cannot be read (index.json: {error}); rebuild it with "
                               f"{rebuild_command(folder)}") from None
    for name in ("arrays.bin", *meta.get("files", {})):
        if not (folder / name).is_file():
            raise IndexFormatError(f"index at {folder} is incomplete: {name} is missing; rebuild it with {rebuild_command(folder)}")
    for name, digest in meta.get("files", {}).items():
        if sha256(folder / name) != digest:
            raise IndexFormatError(f"index at {folder} is damaged: {name} does not match its checksum; rebuild it with {rebuild_command(folder)}")
    if (folder / "arrays.bin").stat().st_size != meta.get("arrays_bytes"):
        raise IndexFormatError(f"index at {folder} is damaged: arrays.bin has the wrong size (truncated?); rebuild it with {rebuild_command(folder)}")
    if crc32(folder / "arrays.bin") != meta.get("arrays_crc32"):
        raise IndexFormatError(f"index at {folder} is damaged: arrays.bin does not match its checksum; rebuild it with {rebuild_command(folder)}")
    try:
        params = meta["params"]
        index = cls(k1=params["k1"], b=params["b"], char_weight=params["char_weight"],
                    question_weight=params["question_weight"], stop_weight=params.get("stop_weight", 1.0),
                    char_ngram_range=tuple(params["char_ngram_range"]), glossary=meta.get("glossary") or {})
        arrays = map_arrays(folder / "arrays.bin", meta["arrays"], mmap)
        index.question_owner_ = arrays["question_owner"]
        index.idf_ = {c: arrays[f"idf_{c}"] for c in CHANNELS}
        index.matrices_, index.term_major_ = {}, {}
        for field_name in FIELDS:
            for channel in CHANNELS:
                prefix = f"{field_name}_{channel}"
                rows, columns = meta["shapes"][prefix]
                index.matrices_[(field_name, channel)] = csr(arrays, prefix, (rows, columns))
                if f"{prefix}_T_indptr" in arrays or channel == "word":
                    index.term_major_[(field_name, channel)] = csr(arrays, f"{prefix}_T", (columns, rows))
        vocabulary = read_json(folder / "vocabulary.json")
        index.vocabulary_ = {c: Terms(vocabulary[c]) for c in CHANNELS}
        index.tokens_ = {token: position for position, token in enumerate(vocabulary["token"])}
        index.token_stem_ = arrays["token_stem"]
        index.token_gram_indptr_ = arrays["token_gram_indptr"]
        index.token_gram_indices_ = arrays["token_gram_indices"]
        if not (len(index.token_stem_) == len(index.tokens_) == len(index.token_gram_indptr_) - 1):
            raise ValueError("the token table's arrays and its words differ in length")
        index.ids_ = np.array(read_json(folder / "ids.json"), dtype=object)
        check_arrays(index)
    except (OSError, KeyError, ValueError, TypeError, AttributeError) as error:
        raise IndexFormatError(f"index at {folder} cannot be read ({error}); rebuild it with {rebuild_command(folder)}") from None
    index.built_at_ = meta.get("built_at", "")
    index.extra_ = {}
    for name in meta.get("extra", []):
        path = folder / f"{name}.json"
        if not path.is_file():
            raise IndexFormatError(f"index at {folder} is incomplete: {path.name} is missing; rebuild it with {rebuild_command(folder)}")
        index.extra_[name] = read_json(path)
    index._prepare(transpose=False)
    index._fingerprint_ = meta.get("fingerprint")
    return index


_ALIGN = 64


_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")  # a file of the index folder, never a path
_DTYPES = {"data": ("<f4",), "idf": ("<f4",), "other": ("<i4", "<i8")}


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_description(meta: dict[str, Any]) -> None:
    """ValueError naming the first entry of `index.json` that `save_index` could not have written: the file
    is not checksummed (it holds the checksums), so a hand edit is caught here, before any array is read."""
    params = meta.get("params")
    if not isinstance(params, dict):
        raise ValueError("params is missing")
    for name in ("k1", "b", "char_weight", "question_weight", "stop_weight"):
        if (name in params or name != "stop_weight") and not _number(params.get(name)):
            raise ValueError(f"params.{name} is not a number")
    grams = params.get("char_ngram_range")
    if not (isinstance(grams, list) and len(grams) == 2 and all(_count(g) for g in grams) and 1 <= grams[0] <= grams[1] <= 8):
        raise ValueError("params.char_ngram_range is not [low, high] with 1 <= low <= high <= 8")
    glossary = meta.get("glossary") or {}
    if not isinstance(glossary, dict) or not all(
            isinstance(aliases, list) and all(isinstance(alias, str) for alias in aliases) for aliases in glossary.values()):
        raise ValueError("glossary is not an object of names and their lists of aliases")
    files, extra = meta.get("files", {}), meta.get("extra", [])
    if not isinstance(files, dict) or not all(_FILE_NAME.match(n) and isinstance(d, str) for n, d in files.items()):
        raise ValueError("files is not an object of file names and checksums")
    if not isinstance(extra, list) or not all(isinstance(n, str) and _FILE_NAME.match(n) for n in extra):
        raise ValueError("extra is not a list of document names")
    if not _count(meta.get("arrays_bytes")) or not _count(meta.get("arrays_crc32")):
        raise ValueError("arrays_bytes or arrays_crc32 is not a count")
    arrays = meta.get("arrays")
    if not isinstance(arrays, dict):
        raise ValueError("arrays is missing")
    for name, entry in arrays.items():
        kind = "data" if name.endswith("_data") else "idf" if name.startswith("idf_") else "other"
        if not (isinstance(entry, dict) and entry.get("dtype") in _DTYPES[kind] and _count(entry.get("offset"))
                and isinstance(entry.get("shape"), list) and len(entry["shape"]) == 1 and _count(entry["shape"][0])):
            raise ValueError(f"arrays.{name} is not a table entry (a {' or '.join(_DTYPES[kind])} array, its shape and offset)")
        if entry["offset"] + entry["shape"][0] * int(entry["dtype"][-1]) > meta["arrays_bytes"]:
            raise ValueError(f"arrays.{name} lies past the end of arrays.bin")
    shapes = meta.get("shapes")
    for field_name in FIELDS:
        for channel in CHANNELS:
            shape = shapes.get(f"{field_name}_{channel}") if isinstance(shapes, dict) else None
            if not (isinstance(shape, list) and len(shape) == 2 and all(_count(n) for n in shape)):
                raise ValueError(f"shapes.{field_name}_{channel} is not [rows, columns]")
    for name in ("built_at", "fingerprint"):
        if meta.get(name) is not None and not isinstance(meta[name], str):
            raise ValueError(f"{name} is not text")


def _check_rows(name: str, indptr: np.ndarray, indices: np.ndarray, rows: int, columns: int) -> None:
    """ValueError unless `indptr` and `indices` are the compressed rows of a `rows` x `columns` matrix."""
    if indptr.size != rows + 1 or indptr[0] != 0 or indptr[-1] != indices.size:
        raise ValueError(f"the matrix {name} does not hold the {rows} rows its shape gives")
    if rows and int(np.diff(indptr).min()) < 0:
        raise ValueError(f"the matrix {name}'s row pointers go backwards")
    if _past(indices, columns):
        raise ValueError(f"the matrix {name} has a column past its {columns} columns")


def _past(values: np.ndarray, size: int) -> bool:
    """Whether any of `values` (signed integers) is negative or at least `size`: one pass, read as unsigned
    (a negative one is then past any size)."""
    return bool(values.size) and int(values.view(values.dtype.str.replace("i", "u")).max()) >= size


def _check_csr(matrix: sp.csr_matrix, name: str) -> None:
    if matrix.data.size != matrix.indices.size:
        raise ValueError(f"the matrix {name} has {matrix.data.size} values for {matrix.indices.size} columns")
    _check_rows(name, matrix.indptr, matrix.indices, *matrix.shape)


def check_arrays(index: Index) -> None:
    """ValueError unless the loaded arrays fit together: every matrix's rows and columns, the vocabularies,
    the ids and the token table agree, so no compiled loop reads past an array (which would crash the
    process, not raise).  One pass over the column indices: the checksum already read every byte."""
    passages, asked = len(index.ids_), len(index.question_owner_)
    sizes = {channel: len(index.vocabulary_[channel]) for channel in CHANNELS}
    for (field_name, channel), matrix in index.matrices_.items():
        rows = passages if field_name == "body" else asked
        if matrix.shape != (rows, sizes[channel]):
            raise ValueError(f"the matrix {field_name}_{channel} is {matrix.shape[0]} x {matrix.shape[1]}, "
                             f"not {rows} x {sizes[channel]} (passages or questions x terms)")
        _check_csr(matrix, f"{field_name}_{channel}")
        if (field_name, channel) in index.term_major_:
            term_major = index.term_major_[(field_name, channel)]
            if term_major.shape != matrix.shape[::-1]:
                raise ValueError(f"the matrix {field_name}_{channel}_T is not {field_name}_{channel} turned")
            _check_csr(term_major, f"{field_name}_{channel}_T")
    for channel in CHANNELS:
        idf = index.idf_[channel]
        if idf.shape != (sizes[channel],) or not bool(np.all(np.isfinite(idf) & (idf >= 0))):
            raise ValueError(f"idf_{channel} does not hold one weight (a number, not negative) per term")
    if index.ids_.ndim != 1 or set(map(type, index.ids_)) - {str} or len(set(index.ids_)) != passages:
        raise ValueError("ids.json is not a list of distinct passage ids")
    owners = index.question_owner_
    if _past(owners, passages):
        raise ValueError("question_owner names a passage past the ids")
    _check_rows("token_gram", index.token_gram_indptr_, index.token_gram_indices_, len(index.tokens_), sizes["char"])
    stems = index.token_stem_
    if _past(stems, sizes["word"]):
        raise ValueError("token_stem names a word past the vocabulary")


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> tuple[dict[str, dict[str, Any]], int]:
    """Lay arrays out raw, each 64-byte aligned; return their table (dtype, shape, offset) and the size."""
    table: dict[str, dict[str, Any]] = {}
    offset = 0
    with open(path, "wb") as handle:
        for name in sorted(arrays):
            array = np.ascontiguousarray(arrays[name])
            padding = -offset % _ALIGN
            handle.write(b"\0" * padding)
            offset += padding
            table[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
            handle.write(array.tobytes())
            offset += array.nbytes
        handle.flush()
        os.fsync(handle.fileno())
    return table, offset


def map_arrays(path: Path, table: dict[str, dict[str, Any]], mmap: bool) -> dict[str, np.ndarray]:
    """Read-only views into `arrays.bin`: read into memory in one go, or memory-mapped."""
    if mmap:
        raw = np.memmap(path, dtype=np.uint8, mode="r")
    else:
        raw = np.fromfile(path, dtype=np.uint8)
        raw.flags.writeable = False
    out = {}
    for name, entry in table.items():
        dtype = np.dtype(entry["dtype"])
        count = int(np.prod(entry["shape"], dtype=np.int64))
        start = int(entry["offset"])
        out[name] = raw[start:start + count * dtype.itemsize].view(dtype).reshape(entry["shape"])
    return out


def csr(arrays: dict[str, np.ndarray], prefix: str, shape: tuple[int, int]) -> sp.csr_matrix:
    """A CSR matrix over mapped arrays, without scipy's copy or re-check (`check_arrays` checks them)."""
    matrix = sp.csr_matrix(shape, dtype=arrays[f"{prefix}_data"].dtype)
    matrix.data, matrix.indices, matrix.indptr = (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"],
                                                  arrays[f"{prefix}_indptr"])
    return matrix


def terms_by_column(vocabulary: Mapping[str, int]) -> list[str]:
    if isinstance(vocabulary, Terms):
        return vocabulary.terms
    terms = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        terms[column] = term
    return terms


def write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexFormatError(f"{path} cannot be read ({error}); rebuild the index with {rebuild_command(path.parent)}") from None


def crc32(path: Path) -> int:
    """CRC-32 of a file: catches truncation and damage at several hundred MB/s (it is no defence against
    tampering, which the index folder's permissions are)."""
    value = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            value = zlib.crc32(block, value)
    return value


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
