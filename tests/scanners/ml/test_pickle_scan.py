"""Pickle opcode scanning: the imports a pickle would perform, listed without unpickling."""

from __future__ import annotations

import io
import pickle
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from compliance.scanners.ml.pickle_scan import (
    MAX_OPS,
    UNKNOWN,
    is_dangerous,
    scan_pickle,
    scan_torch_zip,
    zip_directory_problem,
)

from .helpers import FIXTURES

PICKLES = FIXTURES / "weights" / "pickle"
TORCH = FIXTURES / "weights" / "torch"


@pytest.fixture(autouse=True)
def _never_unpickle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to unpickle during these tests fails loudly."""
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the pickle scanner must never unpickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)


def _scan(data: bytes, **kwargs: int) -> object:
    return scan_pickle(io.BytesIO(data), len(data), **kwargs)


def test_protocol_0_global_is_listed() -> None:
    found = scan_pickle(io.BytesIO(b"cos\nsystem\n(S'echo pwned'\ntR."), 29)
    assert found.imports == ("os.system",)
    assert found.dangerous == ("os.system",)
    assert found.complete and found.pickles == 1


def test_stack_global_strings_are_followed_through_the_memo() -> None:
    data = (PICKLES / "eval-memo.pkl").read_bytes()
    found = scan_pickle(io.BytesIO(data), len(data))
    assert found.imports == ("builtins.eval",)
    assert found.dangerous == ("builtins.eval",)
    assert found.complete


def test_stack_global_with_a_computed_name_is_unknown_and_dangerous() -> None:
    # the module name comes from a call (REDUCE), not from a string literal
    data = (b"\x80\x04" + b"\x8c\x08builtins\x94\x8c\x03str\x94\x93\x94)R\x94"
            b"\x8c\x06system\x94\x93\x94.")
    found = scan_pickle(io.BytesIO(data), len(data))
    assert found.imports == ("builtins.str", f"{UNKNOWN}.system")
    assert found.dangerous == (f"{UNKNOWN}.system",)


def test_inst_opcode_is_an_import() -> None:
    data = b"(S'id'\nisubprocess\ncheck_output\n."
    assert scan_pickle(io.BytesIO(data), len(data)).imports == ("subprocess.check_output",)


def test_clean_sklearn_pickle() -> None:
    data = (PICKLES / "classifier.joblib").read_bytes()
    found = scan_pickle(io.BytesIO(data), len(data))
    assert found.imports == ("sklearn.linear_model._logistic.LogisticRegression",
                             "numpy.core.multiarray._reconstruct", "numpy.ndarray", "numpy.dtype")
    assert found.dangerous == ()
    assert found.complete


def test_every_pickle_of_a_stream_is_read() -> None:
    data = (PICKLES / "two-pickles.pkl").read_bytes()
    found = scan_pickle(io.BytesIO(data), len(data))
    assert found.pickles == 2
    assert found.imports[-1] == "os.system"


def test_legacy_torch_file_stops_after_its_five_pickles() -> None:
    data = (TORCH / "legacy.pt").read_bytes()
    found = scan_pickle(io.BytesIO(data), len(data), max_pickles=5)
    assert found.pickles == 5
    assert found.imports == ("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                             "torch.FloatStorage")


def test_truncated_pickle_keeps_what_it_read() -> None:
    data = (PICKLES / "truncated.pkl").read_bytes()
    found = scan_pickle(io.BytesIO(data), len(data))
    assert not found.complete
    assert found.problem == "truncated: SHORT_BINUNICODE needs 18 bytes, 14 remain"


def test_not_a_pickle() -> None:
    found = scan_pickle(io.BytesIO(b"\xffnot a pickle"), 13)
    assert found.pickles == 0 and found.imports == ()
    assert found.problem is not None and found.problem.startswith("opcode 0xff is not a pickle")


def test_empty_stream() -> None:
    assert scan_pickle(io.BytesIO(b""), 0).problem == "empty: no pickle opcodes"


def test_a_huge_length_is_refused_before_any_allocation() -> None:
    # BINBYTES8 claiming 1 TiB, then an import after it
    data = b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b"abc"
    tracemalloc.start()
    found = scan_pickle(io.BytesIO(data), len(data))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert found.problem == f"truncated: BINBYTES8 needs {1 << 40} bytes, 3 remain"
    assert peak < 1 << 20


def test_large_payloads_are_skipped_not_read(tmp_path: Path) -> None:
    # 64 MiB of bytes, then os.system: the import after the payload is still found
    path = tmp_path / "big.pkl"
    payload = 64 << 20
    with open(path, "wb") as fh:
        fh.write(b"\x80\x04\x8e" + struct.pack("<Q", payload))
        fh.seek(payload, 1)
        fh.write(b"0cos\nsystem\n.")
    tracemalloc.start()
    with open(path, "rb") as fh:
        found = scan_pickle(fh, path.stat().st_size)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert found.imports == ("os.system",) and found.complete
    assert peak < 4 << 20


def test_a_global_without_newline_is_capped() -> None:
    data = b"c" + b"o" * 100_000
    found = scan_pickle(io.BytesIO(data), len(data))
    assert found.problem == "GLOBAL has no end of line within 4096 bytes"


def test_opcode_limit_stops_a_long_walk() -> None:
    data = b"\x80\x04" + b"N0" * 1000 + b"N."
    found = scan_pickle(io.BytesIO(data), len(data), max_ops=100)
    assert found.problem == "stopped after 100 opcodes"


def test_limit_for_streams_of_unknown_length() -> None:
    data = b"\x80\x04\x8e" + struct.pack("<Q", 1000) + bytes(1000) + b"."
    found = scan_pickle(io.BytesIO(data), limit=100)
    assert found.problem == "stopped at the limit of 100 bytes read"


@pytest.mark.parametrize(("name", "dangerous"), [
    ("os.system", True), ("posix.system", True), ("nt.system", True),
    ("subprocess.Popen", True), ("builtins.eval", True), ("builtins.exec", True),
    ("__builtin__.getattr", True), ("runpy._run_code", True), ("socket.create_connection", True),
    ("?.system", True), ("builtins.?", True),
    ("torch._utils._rebuild_tensor_v2", False), ("collections.OrderedDict", False),
    ("numpy.core.multiarray._reconstruct", False), ("builtins.set", False),
    ("sklearn.linear_model._logistic.LogisticRegression", False),
])
def test_dangerous_imports(name: str, dangerous: bool) -> None:
    assert is_dangerous(name) is dangerous


def test_torch_zip_clean() -> None:
    with open(TORCH / "pytorch_model.bin", "rb") as fh:
        found = scan_torch_zip(fh, (TORCH / "pytorch_model.bin").stat().st_size)
    assert found.members == ("archive/data.pkl",)
    assert found.imports == ("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                             "torch.FloatStorage")
    assert (found.storages, found.storage_bytes) == (2, 256)
    assert found.dangerous == () and found.problems == () and not found.torchscript


def test_torch_zip_malicious() -> None:
    with open(TORCH / "malicious.pt", "rb") as fh:
        found = scan_torch_zip(fh, (TORCH / "malicious.pt").stat().st_size)
    assert found.dangerous == ("posix.system",)


def test_zip_directory_claiming_gigabytes_is_refused() -> None:
    eocd = b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, 1, 1, 1 << 31, 0, 0)
    data = b"PK\x03\x04" + bytes(26) + eocd
    problem = zip_directory_problem(io.BytesIO(data), len(data))
    assert problem == "its central directory claims 2147483648 bytes, over the 64 MiB limit"
    with pytest.raises(zipfile.BadZipFile, match="over the 64 MiB limit"):
        scan_torch_zip(io.BytesIO(data), len(data))


def test_truncated_zip_has_no_end_record() -> None:
    data = (TORCH / "truncated.ckpt").read_bytes()
    assert zip_directory_problem(io.BytesIO(data), len(data)) == (
        "no end of central directory record (not a zip, or truncated)")


def test_default_opcode_limit_bounds_the_time() -> None:
    data = b"\x80\x04" + b"N0" * 1_500_000 + b"N."  # three million opcodes
    started = time.perf_counter()
    found = scan_pickle(io.BytesIO(data), len(data))
    assert time.perf_counter() - started < 3
    assert found.problem == f"stopped after {MAX_OPS:,} opcodes" and found.ops == MAX_OPS + 1
