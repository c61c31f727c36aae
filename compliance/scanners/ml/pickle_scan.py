"""What a pickle would import, read from its opcodes without unpickling it.

Unpickling runs code: a pickle names callables (``GLOBAL``, ``STACK_GLOBAL``, ``INST``) and calls
them (``REDUCE``, ``BUILD``, ``NEWOBJ``). Every callable a pickle can call is first imported by
one of those opcodes, so listing them lists what loading the file may do
(``os.system``, ``builtins.eval``) beside what a model needs (``torch._utils._rebuild_tensor_v2``,
``collections.OrderedDict``).

The stream is walked with the opcode table of :mod:`pickletools` (the same table
``pickletools.genops`` uses), but arguments are read here rather than by ``genops``: ``genops``
reads every argument whole, so a ``BINBYTES8`` of a 2 GB array would be 2 GB in memory and a
``GLOBAL`` with no newline an unbounded ``readline``. Here byte payloads are skipped (seeked
over), strings longer than :data:`MAX_NAME` are skipped, lines are capped, and the walk stops
after :data:`MAX_OPS` opcodes (saying so). A small stack model follows the strings that
``STACK_GLOBAL`` consumes, through the memo (``MEMOIZE``/``PUT`` then ``GET``); a module or name
that is not a string literal (computed at load time) is listed as ``?``.

A file may hold several pickles one after the other (``pickle.dump`` twice; PyTorch's legacy
format writes five before its raw storage bytes): the walk goes on to the end of the stream, or
to ``max_pickles``. :func:`scan_torch_zip` reads the ``*.pkl`` members (``archive/data.pkl``) of a
PyTorch zip checkpoint with :mod:`zipfile` after checking that its central directory is of a sane
size. Nothing here ever calls :mod:`pickle`.
"""

from __future__ import annotations

import codecs
import pickletools
import re
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

__all__ = [
    "MAX_NAME",
    "MAX_OPS",
    "UNKNOWN",
    "PickleScan",
    "TorchZipScan",
    "dangerous_imports",
    "is_dangerous",
    "scan_pickle",
    "scan_torch_zip",
    "zip_directory_problem",
]

#: The walk stops after this many opcodes (about a second; a large checkpoint's data.pkl has a
#: few hundred thousand).
MAX_OPS = 2_000_000
#: Strings longer than this cannot be module or attribute names: skipped, not read.
MAX_NAME = 512
#: The longest text line read for ``GLOBAL``/``INST``/``PUT``/``GET`` arguments.
MAX_LINE = 4096
#: Pickles read from one stream, one after the other.
MAX_PICKLES = 16
#: Memo entries remembered (only short strings are kept).
MAX_MEMO = 1_000_000
#: A zip's central directory larger than this is refused (a checkpoint's is a few KiB).
MAX_ZIP_DIRECTORY = 64 * 1024 * 1024
#: ``*.pkl`` members of a zip read at most.
MAX_ZIP_PICKLES = 64
#: A zip member whose uncompressed size is larger than this is not read.
MAX_MEMBER = 1 << 30

# modules whose every callable can run commands, code, or reach the network or the file system
_DANGEROUS_MODULES = frozenset({
    "os", "posix", "nt", "subprocess", "_posixsubprocess", "sys", "socket", "shutil", "runpy",
    "pty", "commands", "webbrowser", "requests", "httplib", "http", "urllib", "urllib2",
    "urllib3", "httpx", "aiohttp", "ftplib", "smtplib", "telnetlib", "asyncio", "ctypes",
    "pickle", "_pickle", "cPickle", "dill", "cloudpickle", "marshal", "importlib", "imp",
    "zipimport", "code", "codeop", "pdb", "bdb", "timeit", "trace", "profile", "cProfile",
    "pydoc", "multiprocessing", "signal", "pip", "setuptools", "distutils", "ensurepip", "venv",
    "site", "shelve", "tempfile", "platform",
})
# single callables of otherwise harmless modules
_DANGEROUS_NAMES = frozenset({
    *(f"{m}.{n}" for m in ("builtins", "__builtin__", "__builtins__") for n in (
        "eval", "exec", "execfile", "compile", "open", "__import__", "getattr", "setattr",
        "delattr", "globals", "locals", "vars", "breakpoint", "input", "apply", "file",
        "reload")),
    "operator.attrgetter", "operator.methodcaller", "io.open", "_io.open", "io.FileIO",
    "_io.FileIO", "codecs.open", "types.CodeType", "types.FunctionType",
    "numpy.testing._private.utils.runstring", "torch.hub.load", "torch.load",
    "torch.serialization.load",
})
UNKNOWN = "?"

_STRING_OPS = frozenset({"STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE",
                         "SHORT_BINUNICODE", "BINUNICODE8"})
_PUT_OPS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_GET_OPS = frozenset({"GET", "BINGET", "LONG_BINGET"})
_NAME_PAIR = "stringnl_noescape_pair"
# what the walk does with an opcode besides its stack effect
_PLAIN, _STOP, _MARK, _MEMOIZE, _PUT, _DUP, _STRING, _GET, _GLOBAL, _STACK_GLOBAL, _EXT = range(11)
_KINDS = {"STOP": _STOP, "MARK": _MARK, "MEMOIZE": _MEMOIZE, "DUP": _DUP, "GLOBAL": _GLOBAL,
          "INST": _GLOBAL, "STACK_GLOBAL": _STACK_GLOBAL, "EXT1": _EXT, "EXT2": _EXT, "EXT4": _EXT}
# opcode byte -> (name, kind, arg name, arg n, pops to mark, items popped (below a mark), pushed)
_Op = tuple[str, int, str | None, int | None, bool, int, int]


def _kind(name: str) -> int:
    if name in _STRING_OPS:
        return _STRING
    if name in _PUT_OPS:
        return _PUT
    if name in _GET_OPS:
        return _GET
    return _KINDS.get(name, _PLAIN)


def _table() -> dict[int, _Op]:
    table: dict[int, _Op] = {}
    for op in pickletools.opcodes:
        before = [s.name for s in op.stack_before]
        to_mark = "mark" in before
        popped = before.index("mark") if to_mark else len(before)
        table[ord(op.code)] = (op.name, _kind(op.name), op.arg.name if op.arg else None,
                               op.arg.n if op.arg else None, to_mark, popped,
                               len(op.stack_after))
    return table


_OPS = _table()
_CHUNK = 64 << 10  # bytes read from the stream at a time
_SHORT = pickletools.TAKEN_FROM_ARGUMENT1
_ZIP_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_STORAGE = re.compile(r"(?:^|/)data/\d+$")


def is_dangerous(name: str) -> bool:
    """True for an import that can run commands or code, or touch the network or files when
    called (``os.system``, ``builtins.eval``), and for one computed at load time (``?``)."""
    if UNKNOWN in name.split("."):
        return True
    if name in _DANGEROUS_NAMES:
        return True
    return name.split(".", 1)[0] in _DANGEROUS_MODULES


def dangerous_imports(imports: Iterable[str]) -> tuple[str, ...]:
    """The imports of ``imports`` that :func:`is_dangerous` flags, in order."""
    return tuple(i for i in imports if is_dangerous(i))


@dataclass(frozen=True, slots=True)
class PickleScan:
    """What the opcodes of a pickle stream import."""

    imports: tuple[str, ...]  # "module.qualname", unique, in order of first appearance
    pickles: int  # pickles read to their STOP
    ops: int  # opcodes walked
    problem: str | None = None  # why the walk stopped before the end (a message fragment)

    @property
    def complete(self) -> bool:
        """True when every pickle of the stream was read to its STOP."""
        return self.problem is None

    @property
    def dangerous(self) -> tuple[str, ...]:
        """Imports that can run code (see :func:`is_dangerous`)."""
        return dangerous_imports(self.imports)


class _Stop(Exception):
    """The stream ends or breaks: the walk stops with this message."""


class _Reader:
    """Bounded, buffered reads over a binary stream: payloads are skipped (seeked over when the
    stream allows), lines are capped, nothing past the known size (or the limit) is read.

    ``buf[off:]`` is what is read but not consumed; ``base`` is the stream offset of ``buf[0]``;
    ``end`` is the offset reading stops at (the size or the limit), None when unknown."""

    __slots__ = ("base", "buf", "end", "limit", "off", "ops", "raw", "seekable")

    def __init__(self, raw: IO[bytes], size: int | None, limit: int | None = None) -> None:
        self.raw = raw
        self.buf = b""
        self.off = self.base = 0
        self.end = size if limit is None else limit
        self.limit = limit
        self.ops = 0  # opcodes walked
        try:
            self.seekable = raw.seekable()
        except (AttributeError, OSError, ValueError):
            self.seekable = False

    def _fill(self, n: int) -> bool:
        """Make ``n`` bytes available from ``off``; False when the stream ends first."""
        have = len(self.buf) - self.off
        if have >= n:
            return True
        want = max(n - have, _CHUNK)
        if self.end is not None:
            want = min(want, self.end - self.base - len(self.buf))
        data = self.raw.read(want) if want > 0 else b""
        self.base += self.off
        self.buf = self.buf[self.off:] + data
        self.off = 0
        return len(self.buf) >= n

    def _check(self, n: int, what: str) -> None:
        if self.end is not None and self.base + self.off + n > self.end:
            if self.limit is not None:
                raise _Stop(f"stopped at the limit of {self.limit} bytes read")
            left = self.end - self.base - self.off
            raise _Stop(f"truncated: {what} needs {n} bytes, {left} remain")

    def read(self, n: int, what: str) -> bytes:
        self._check(n, what)
        if not self._fill(n):
            raise _Stop(f"truncated: {what} needs {n} bytes, {len(self.buf) - self.off} remain")
        data = self.buf[self.off:self.off + n]
        self.off += n
        return data

    def skip(self, n: int, what: str) -> None:
        if n < 0:
            raise _Stop(f"{what} has a negative length")
        self._check(n, what)
        have = len(self.buf) - self.off
        if n <= have:
            self.off += n
            return
        self.base += len(self.buf)
        self.buf, self.off, rest = b"", 0, n - have
        if self.seekable and self.end is not None and self.limit is None:
            self.raw.seek(rest, 1)
            self.base += rest
            return
        while rest:
            chunk = self.raw.read(min(rest, 1 << 20))
            if not chunk:
                raise _Stop(f"truncated: {what} runs past the end")
            rest -= len(chunk)
            self.base += len(chunk)

    def line(self, what: str) -> bytes:
        self._fill(MAX_LINE + 1)
        end = self.buf.find(b"\n", self.off, self.off + MAX_LINE + 1)
        if end < 0:
            raise _Stop(f"{what} has no end of line within {MAX_LINE} bytes")
        data = self.buf[self.off:end]
        self.off = end + 1
        return data

    def next_byte(self) -> int | None:
        if self.off >= len(self.buf) and not self._fill(1):
            return None
        byte = self.buf[self.off]
        self.off += 1
        return byte


def _text(data: bytes, op: str) -> str | None:
    """The string an opcode's argument bytes stand for."""
    try:
        if op == "STRING":  # protocol 0: a quoted, backslash-escaped repr
            if len(data) >= 2 and data[0] == data[-1] and data[:1] in (b"'", b'"'):
                data = data[1:-1]
            text = data.decode("latin-1")
            return codecs.decode(text, "unicode_escape") if "\\" in text else text
        if op == "UNICODE":
            return data.decode("raw-unicode-escape")
        if op in ("BINSTRING", "SHORT_BINSTRING"):
            return data.decode("latin-1")
        return data.decode("utf-8", "surrogatepass")
    except (UnicodeDecodeError, ValueError):
        return None


# a length-prefixed argument: the prefix's width and struct format
_LENGTH = {
    pickletools.TAKEN_FROM_ARGUMENT1: (1, "<B"),
    pickletools.TAKEN_FROM_ARGUMENT4: (4, "<i"),
    pickletools.TAKEN_FROM_ARGUMENT4U: (4, "<I"),
    pickletools.TAKEN_FROM_ARGUMENT8U: (8, "<Q"),
}


def _argument(r: _Reader, name: str, arg: str, n: int) -> int | str | None:
    """Read (or skip) one opcode argument. Returns an int for memo and extension indexes, a
    string for names, None for what is skipped."""
    if n >= 0:
        data = r.read(n, name)
        if arg in ("uint1", "uint2", "uint4", "uint8"):
            return int.from_bytes(data, "little")
        if arg == "int4":
            return int(struct.unpack("<i", data)[0])
        return None
    if n == pickletools.UP_TO_NEWLINE:
        line = r.line(name)
        if arg == _NAME_PAIR:
            second = r.line(name)
            return f"{line.decode('utf-8', 'replace')}.{second.decode('utf-8', 'replace')}"
        if name in _STRING_OPS:
            return _text(line, name) if len(line) <= MAX_NAME + 2 else None
        if name in _PUT_OPS or name in _GET_OPS:
            try:
                return int(line)
            except ValueError as e:
                raise _Stop(f"{name} has a memo index that is not a number") from e
        return None
    width, fmt = _LENGTH[n]
    length = int(struct.unpack(fmt, r.read(width, name))[0])
    if name in _STRING_OPS and 0 <= length <= MAX_NAME:
        return _text(r.read(length, name), name)
    r.skip(length, name)
    return None


def scan_pickle(stream: IO[bytes], size: int | None = None, *, limit: int | None = None,
                max_ops: int = MAX_OPS, max_pickles: int = MAX_PICKLES) -> PickleScan:
    """List the imports of the pickle(s) in ``stream`` without unpickling.

    ``size`` is the number of bytes left in the stream when known (a file); ``limit`` caps the
    bytes read from a stream of unknown length (a decompressed one). Reads until the last
    pickle's STOP, or until the stream breaks (the reason is :attr:`PickleScan.problem`; the
    imports met before it are kept)."""
    r = _Reader(stream, size, limit)
    imports: dict[str, None] = {}
    pickles = 0
    problem: str | None = None
    try:
        code = r.next_byte()
        if code is None:
            raise _Stop("empty: no pickle opcodes")
        while code is not None:
            _walk_one(r, code, imports, max_ops)
            pickles += 1
            code = r.next_byte()
            if code is None:
                break
            if pickles == max_pickles:
                problem = f"more than {max_pickles} pickles in one stream; only the first " \
                    f"{max_pickles} were read"
                break
    except _Stop as e:
        problem = str(e)
    return PickleScan(tuple(imports), pickles, r.ops, problem)


def _walk_one(r: _Reader, code: int, imports: dict[str, None], max_ops: int) -> None:
    """Walk one pickle whose first opcode byte is ``code`` up to its STOP.

    The common case (an opcode without argument whose only effect is on the stack) stays in
    this loop, reading the reader's buffer directly; everything else goes through the reader."""
    stack: list[str | None] = []
    marks: list[int] = []
    memo: dict[int, str] = {}
    memo_count = 0
    ops_table = _OPS
    buf, off, ops = r.buf, r.off, r.ops
    try:
        while True:
            op = ops_table.get(code)
            if op is None:
                raise _Stop(f"opcode 0x{code:02x} is not a pickle opcode (not a pickle, or data "
                            "the pickle does not describe)")
            ops += 1
            if ops > max_ops:
                raise _Stop(f"stopped after {max_ops:,} opcodes")
            name, kind, arg_name, n, to_mark, popped, pushed = op
            value: int | str | None = None
            if arg_name is not None and n is not None:
                if n >= 0 and off + n <= len(buf):  # a fixed-size argument, already buffered
                    if kind in (_PUT, _GET, _EXT):
                        value = int.from_bytes(buf[off:off + n], "little",
                                               signed=arg_name == "int4")
                    off += n
                elif n == _SHORT and off < len(buf) and off + 1 + buf[off] <= len(buf):
                    length = buf[off]  # SHORT_BINUNICODE and friends, already buffered
                    if kind == _STRING:
                        value = _text(buf[off + 1:off + 1 + length], name)
                    off += 1 + length
                else:
                    r.off = off
                    value = _argument(r, name, arg_name, n)
                    buf, off = r.buf, r.off
            if kind == _PLAIN and not to_mark:
                if popped:
                    del stack[-popped:]
                if pushed:
                    stack.append(None)
            elif kind == _STOP:
                return
            elif kind == _MARK:
                marks.append(len(stack))
            elif kind == _MEMOIZE:
                if stack and isinstance(stack[-1], str) and len(memo) < MAX_MEMO:
                    memo[memo_count] = stack[-1]
                memo_count += 1
            elif kind == _PUT:
                if isinstance(value, int) and stack and isinstance(stack[-1], str) \
                        and len(memo) < MAX_MEMO:
                    memo[value] = stack[-1]
                elif isinstance(value, int):
                    memo.pop(value, None)
            elif kind == _DUP:
                stack.append(stack[-1] if stack else None)
            elif kind == _STRING:
                stack.append(value if isinstance(value, str) else None)
            else:
                _apply(kind, value, to_mark, popped, pushed, stack, marks, memo, imports)
            if off < len(buf):
                code = buf[off]
                off += 1
                continue
            r.off = off
            next_byte = r.next_byte()
            buf, off = r.buf, r.off
            if next_byte is None:
                raise _Stop("truncated: the pickle ends before its STOP opcode")
            code = next_byte
    finally:
        r.off, r.ops = off, ops


def _apply(kind: int, value: int | str | None, to_mark: bool, popped: int, pushed: int,
           stack: list[str | None], marks: list[int], memo: dict[int, str],
           imports: dict[str, None]) -> None:
    """The stack effect of one opcode, recording the imports it performs."""
    taken: list[str | None] = []
    if to_mark:
        start = marks.pop() if marks else 0
        taken = stack[start:]
        del stack[start:]
    if popped:
        taken = stack[-popped:] + taken if len(stack) >= popped else [None] * popped
        del stack[-popped:]
    if kind == _STACK_GLOBAL:
        module, qualname = [*taken, None, None][:2]
        imports.setdefault(f"{module or UNKNOWN}.{qualname or UNKNOWN}", None)
    elif kind == _GLOBAL and isinstance(value, str):
        imports.setdefault(value, None)
    elif kind == _EXT:
        imports.setdefault(f"copyreg.extension.{value}", None)
    if kind == _STRING:
        stack.append(value if isinstance(value, str) else None)
    elif kind == _GET:
        stack.append(memo.get(value) if isinstance(value, int) else None)
    elif pushed:
        stack.extend([None] * pushed)


# --------------------------------------------------------------------------------------------
# PyTorch zip checkpoints
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TorchZipScan:
    """What a PyTorch zip checkpoint holds: its pickles' imports and its tensor storages."""

    members: tuple[str, ...]  # the pickle members read
    imports: tuple[str, ...]
    storages: int  # data/<n> members
    storage_bytes: int
    torchscript: bool  # a code/ folder: a TorchScript archive
    problems: tuple[str, ...] = field(default=())

    @property
    def dangerous(self) -> tuple[str, ...]:
        """Imports that can run code (see :func:`is_dangerous`)."""
        return dangerous_imports(self.imports)


def zip_directory_problem(fh: IO[bytes], size: int) -> str | None:
    """Check a zip's end records before :mod:`zipfile` reads its central directory in one
    allocation: None when sane, otherwise what is wrong. ``fh`` is left anywhere."""
    tail_size = min(size, 22 + 65535)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    at = tail.rfind(_ZIP_EOCD)
    if at < 0 or len(tail) - at < 22:
        return "no end of central directory record (not a zip, or truncated)"
    _, _, _, _, entries, cd_size, cd_offset, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if (entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF) and at >= 20 \
            and tail[at - 20:at - 16] == _ZIP64_LOCATOR:
        (eocd64,) = struct.unpack("<Q", tail[at - 12:at - 4])
        if eocd64 + 56 > size:
            return "its zip64 end record points past the end of the file (truncated)"
        fh.seek(eocd64)
        record = fh.read(56)
        if record[:4] != _ZIP64_EOCD:
            return "its zip64 end record is missing (truncated or corrupt)"
        entries, cd_size, cd_offset = struct.unpack("<3Q", record[32:56])
    if cd_size > MAX_ZIP_DIRECTORY:
        return (f"its central directory claims {cd_size} bytes, over the "
                f"{MAX_ZIP_DIRECTORY >> 20} MiB limit")
    if cd_offset + cd_size > size:
        return "its central directory runs past the end of the file (truncated)"
    return None


def scan_torch_zip(fh: IO[bytes], size: int) -> TorchZipScan:
    """Read a PyTorch zip checkpoint: every ``*.pkl`` member's imports (``archive/data.pkl``,
    TorchScript's ``constants.pkl``) and the count and size of its ``data/<n>`` storages.

    Raises :class:`zipfile.BadZipFile` (or ``ValueError``) for a broken zip."""
    problem = zip_directory_problem(fh, size)
    if problem is not None:
        raise zipfile.BadZipFile(problem)
    fh.seek(0)
    imports: dict[str, None] = {}
    problems: list[str] = []
    members: list[str] = []
    storages = storage_bytes = 0
    torchscript = False
    with zipfile.ZipFile(fh) as zf:
        infos = zf.infolist()
        for info in infos:
            name = info.filename
            if _STORAGE.search(name):
                storages += 1
                storage_bytes += info.file_size
            elif "/code/" in f"/{name}":
                torchscript = True
        pickles = [i for i in infos if i.filename.endswith(".pkl") and not i.is_dir()]
        if not pickles:
            problems.append("no data.pkl member: not a PyTorch checkpoint")
        for info in pickles[:MAX_ZIP_PICKLES]:
            if info.file_size > MAX_MEMBER:
                problems.append(f"{info.filename} is {info.file_size} bytes uncompressed, over "
                                f"the {MAX_MEMBER >> 20} MiB limit; not read")
                continue
            members.append(info.filename)
            with zf.open(info) as member:
                found = scan_pickle(member, info.file_size)
            imports.update(dict.fromkeys(found.imports))
            if found.problem:
                problems.append(f"{info.filename}: {found.problem}")
        if len(pickles) > MAX_ZIP_PICKLES:
            problems.append(f"only the first {MAX_ZIP_PICKLES} of {len(pickles)} pickle members "
                            "were read")
    return TorchZipScan(tuple(members), tuple(imports), storages, storage_bytes, torchscript,
                        tuple(problems))
