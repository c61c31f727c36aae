"""Model artifacts: code that runs when a model loads, and models that can change under you.

* ``risk/trust-remote-code``: a model loaded with ``trust_remote_code=True`` (error; warning when
  its revision is pinned to a commit, so the code that runs is fixed and reviewable);
* ``risk/unpinned-model``: a model fetched from a hub without a pinned revision;
* ``risk/http-model-download``: model weights downloaded over plain ``http://``;
* ``risk/unsafe-serialization``: pickle-based weights (``.pt``, ``.pth``, ``.bin``, ``.ckpt``,
  ``.pkl``, joblib): loading them can run any code. Error when the pickle imports reach code
  execution, the shell, the file system, the network or importers (``os``, ``subprocess``,
  ``builtins.eval``/``exec``, ``socket``, ``shutil``, ``posix``, ``nt``, ``pty``, ``runpy``,
  ``importlib``, ``webbrowser`` ...); warning otherwise.

The facts come from the ML scanners (:mod:`compliance.scanners.ml`), as component properties
(``properties``: (name, value) pairs; names with an ``ml:`` or ``compliance:`` prefix, or none):
``format``, ``pickle-imports`` (comma-separated ``module.name``), ``pickle-dangerous-imports``
(the scanner's own verdict, added to this module's), ``pickle-scan`` (``incomplete`` when the
opcodes could not all be read), ``keras-lambda-layers``, ``revision``, ``revision-pinned``
(``true`` / ``false`` / ``unknown``), ``trust-remote-code`` (``true``, or ``computed`` when it is
not a literal: a warning), ``url`` and ``insecure-url`` (``http://`` strings of the loading
call); and, for a Hugging Face Hub
reference (ecosystem ``huggingface``), its version (the commit, when pinned) and
``Source.revision``. Components without these facts are not judged.
"""

from __future__ import annotations

from compliance.model import Component, Finding, Inventory, Severity, SourceKind
from compliance.risks import base
from compliance.risks.base import Check, who

__all__ = ["CHECKS", "PICKLE_FORMATS", "dangerous_imports", "is_model"]

TRUST_REMOTE_CODE = "risk/trust-remote-code"
UNPINNED_MODEL = "risk/unpinned-model"
HTTP_MODEL = "risk/http-model-download"
UNSAFE_SERIALIZATION = "risk/unsafe-serialization"

MODEL_TYPES = frozenset({"machine-learning-model", "data"})
HUB_ECOSYSTEMS = frozenset({"huggingface", "hf"})

PICKLE_FORMATS = frozenset({
    "pickle", "pkl", "pickle-protocol", "pt", "pth", "pytorch", "torch", "pytorch-pickle",
    "torch-pickle", "bin", "pytorch-bin", "ckpt", "checkpoint", "joblib", "dill", "cloudpickle",
    "numpy-pickle", "npy-pickle", "sklearn", "sklearn-pickle", "pandas-pickle", "keras-pickle",
})
"""``format`` values that mean pickle-based weights (compared lower-case; any value containing
``pickle`` counts too)."""

# Whole modules whose every global is a way out of the sandbox a model should stay in: code
# execution, processes, the file system, the network, importers, debuggers, serialisers.
DANGEROUS_MODULES = frozenset({
    "os", "posix", "nt", "subprocess", "pty", "popen2", "commands",
    "sys", "runpy", "importlib", "imp", "pkgutil", "zipimport", "code", "codeop", "pdb", "bdb",
    "pydoc", "timeit", "trace", "profile", "cprofile", "ctypes", "_ctypes", "cffi",
    "multiprocessing", "threading", "_thread", "asyncio", "signal",
    "socket", "_socket", "ssl", "http", "httplib", "urllib", "urllib2", "urllib3", "requests",
    "aiohttp", "httpx", "ftplib", "smtplib", "telnetlib", "xmlrpc", "socketserver",
    "webbrowser", "shutil", "tempfile", "glob", "io", "_io", "pathlib", "fileinput",
    "pickle", "_pickle", "cpickle", "dill", "cloudpickle", "joblib", "marshal", "shelve",
    "types", "pip", "setuptools", "distutils",
})
# Globals of otherwise harmless modules that evaluate, import or reach attributes.
DANGEROUS_NAMES = frozenset({
    "builtins.eval", "builtins.exec", "builtins.execfile", "builtins.compile",
    "builtins.open", "builtins.__import__", "builtins.getattr", "builtins.setattr",
    "builtins.delattr", "builtins.globals", "builtins.locals", "builtins.vars",
    "builtins.breakpoint", "builtins.apply",
    "operator.attrgetter", "operator.methodcaller",
    "functools.partial", "functools.reduce", "torch.serialization.load", "torch.load",
    "torch.hub.load", "torch._inductor.codecache.compile_file", "numpy.load",
    "numpy.testing._private.utils.runstring", "jinja2.Template",
})
_BUILTINS_ALIASES = {"__builtin__": "builtins", "__builtins__": "builtins"}


def _props(comp: Component) -> dict[str, list[str]]:
    return base.properties(comp)


def _first(props: dict[str, list[str]], name: str) -> str | None:
    values = props.get(name)
    return values[0].strip() if values else None


def _true(props: dict[str, list[str]], name: str) -> bool:
    value = _first(props, name)
    return value is not None and value.lower() in ("true", "1", "yes")


def is_model(comp: Component, props: dict[str, list[str]] | None = None) -> bool:
    """True for a model or data set: its CycloneDX type, a hub ecosystem, or model facts."""
    if comp.component_type in MODEL_TYPES or comp.ecosystem in HUB_ECOSYSTEMS:
        return True
    props = _props(comp) if props is None else props
    return any(k in props for k in ("format", "pickle-imports", "revision-pinned",
                                    "trust-remote-code"))


def _imports(props: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for value in props.get("pickle-imports", ()):
        for item in value.replace(";", ",").split(","):
            item = item.strip()
            if item and item not in out:
                out.append(item)
    return out


def dangerous_imports(imports: list[str]) -> list[str]:
    """The imports of a pickle (``module.name`` each; ``module:name`` is read too) that reach
    code execution, processes, files or the network."""
    out = []
    for item in imports:
        dotted = item.strip().replace(":", ".")
        head, _, rest = dotted.partition(".")
        head = _BUILTINS_ALIASES.get(head, head)
        dotted = f"{head}.{rest}" if rest else head
        parts = dotted.lower().split(".")
        modules = (".".join(parts[:n]) for n in range(1, len(parts) + 1))
        if any(m in DANGEROUS_MODULES for m in modules) or dotted in DANGEROUS_NAMES:
            out.append(item)
    return out


def _is_pickle(props: dict[str, list[str]]) -> bool:
    fmt = (_first(props, "format") or "").lower().lstrip(".")
    return (fmt in PICKLE_FORMATS or "pickle" in fmt or fmt.startswith(("pytorch", "torch"))
            or bool(_imports(props)) or "pickle-scan" in props)


def _lambda_layers(props: dict[str, list[str]]) -> int:
    try:
        return int(_first(props, "keras-lambda-layers") or 0)
    except ValueError:
        return 0


def _pinned(comp: Component, props: dict[str, list[str]]) -> bool | None:
    """True / False when the model's revision is known to be / not to be pinned to a commit;
    None when nothing says (a local file, no revision facts)."""
    flag = (_first(props, "revision-pinned") or "").lower()
    if flag in ("true", "1", "yes"):
        return True
    if flag in ("false", "0", "no"):
        return False
    if flag:  # "unknown": the revision is computed at run time
        return None
    revision = _revision(comp, props)
    if revision is not None:
        return base.is_commit(revision)
    if comp.ecosystem in HUB_ECOSYSTEMS and comp.source.kind is not SourceKind.PATH:
        return base.is_commit(comp.version) or base.is_commit(comp.source.commit)
    return None


def _revision(comp: Component, props: dict[str, list[str]]) -> str | None:
    return _first(props, "revision") or comp.source.revision


def _insecure_urls(comp: Component, props: dict[str, list[str]]) -> list[str]:
    """The plain-http URLs the model is fetched from: its ``url`` and ``insecure-url``
    properties, and its source URL."""
    urls = [*props.get("url", ()), *props.get("insecure-url", ())]
    if comp.source.kind in (SourceKind.URL, SourceKind.VCS) and comp.source.url:
        urls.append(comp.source.url)
    return list(dict.fromkeys(u.strip() for u in urls if u.strip().lower().startswith("http://")))


def check_trust_remote_code(inv: Inventory) -> list[Finding]:
    """``risk/trust-remote-code``."""
    out = []
    for comp in inv.components.values():
        props = _props(comp)
        value = (_first(props, "trust-remote-code") or "").lower()
        computed = value == "computed"
        if not computed and value not in ("true", "1", "yes"):
            continue
        pinned = _pinned(comp, props) is True
        revision = _revision(comp, props)
        if pinned:
            tail = (f" The revision is pinned{f' ({revision})' if revision else ''}, so the code "
                    "is fixed, but it still has to be reviewed.")
        else:
            tail = (" The revision is not pinned, so the code can change on the hub between "
                    "two runs without any change here.")
        how = ("with trust_remote_code set from a value computed at run time: when it is true, "
               if computed else "with trust_remote_code=True: ")
        out.append(base.finding(
            TRUST_REMOTE_CODE, comp,
            f"{who(comp)} is loaded {how}loading it downloads Python code from the model "
            "repository and runs it with your process's rights (files, credentials, network)."
            f"{tail}",
            "Use a model whose architecture your installed transformers supports natively and "
            "drop trust_remote_code. If the custom code is needed, review it and pin the "
            "revision to a full commit id (revision=\"<40-hex commit>\"), or vendor the code "
            "into this repository.",
            severity=Severity.WARNING if pinned or computed else Severity.ERROR))
    return out


def check_unpinned_model(inv: Inventory) -> list[Finding]:
    """``risk/unpinned-model``."""
    out = []
    for comp in inv.components.values():
        props = _props(comp)
        if not is_model(comp, props) or comp.source.kind is SourceKind.PATH:
            continue
        if _pinned(comp, props) is not False:
            continue
        revision = _revision(comp, props)
        at = f"at '{revision}'" if revision else "without a revision (the default branch)"
        out.append(base.finding(
            UNPINNED_MODEL, comp,
            f"The model {who(comp)} is fetched {at}, not at a commit: its owners (or anyone "
            "who takes over their account) can replace the weights, the tokenizer or its code, "
            "and the next run loads them without any change here; results stop being "
            "reproducible.",
            "Pin the revision to a full commit id (revision=\"<40-hex commit>\" in "
            "from_pretrained / hf_hub_download / snapshot_download), or copy the model into "
            "storage you control and load it from there.",
            severity=Severity.WARNING))
    return out


def check_http_model_download(inv: Inventory) -> list[Finding]:
    """``risk/http-model-download``."""
    out = []
    for comp in inv.components.values():
        props = _props(comp)
        if not props and comp.source.kind not in (SourceKind.URL, SourceKind.VCS):
            continue
        urls = _insecure_urls(comp, props)
        if not urls or not is_model(comp, props):
            continue
        shown = ", ".join(base.show_url(u) for u in urls)
        out.append(base.finding(
            HTTP_MODEL, comp,
            f"The model {who(comp)} is downloaded over plain HTTP ({shown}): anyone on the "
            "network path can swap the weights, and pickle-based weights run code when they "
            "load.",
            "Download it over https, and check the file's SHA-256 against a digest recorded in "
            "the repository before loading it.",
            severity=Severity.ERROR))
    return out


def check_unsafe_serialization(inv: Inventory) -> list[Finding]:
    """``risk/unsafe-serialization``."""
    out = []
    for comp in inv.components.values():
        props = _props(comp)
        if not props:
            continue
        lambdas = _lambda_layers(props)
        if not _is_pickle(props) and not lambdas:
            continue
        kind = "data" if comp.component_type == "data" else "model"
        fmt = _first(props, "format") or "pickle"
        if not _is_pickle(props):
            out.append(base.finding(
                UNSAFE_SERIALIZATION, comp,
                f"{who(comp)} is a Keras {kind} file ({fmt}) with {lambdas} Lambda "
                f"layer{'s' if lambdas != 1 else ''}: a Lambda layer holds Python bytecode that "
                "runs when the model is loaded without Keras's safe mode.",
                "Replace the Lambda layers with registered custom layers, keep safe_mode=True "
                "when loading (the Keras 3 default), and load the file only if you trust where "
                "it comes from.",
                severity=Severity.WARNING))
            continue
        imports = _imports(props)
        bad = dangerous_imports(imports)
        for value in props.get("pickle-dangerous-imports", ()):
            for item in value.split(","):
                item = item.strip()
                if item and item not in bad:
                    bad.append(item)
        partial = (" (the scan could not read all of the file, so it may import more)"
                   if (_first(props, "pickle-scan") or "").lower() == "incomplete" else "")
        if bad:
            shown = ", ".join(bad[:8]) + (f" and {len(bad) - 8} more" if len(bad) > 8 else "")
            message = (f"{who(comp)} is a pickle-based {kind} file ({fmt}) whose pickle imports "
                       f"{shown}{partial}: loading it runs that code, with your process's "
                       "rights. Model weights need none of these; this is how malicious models "
                       "are built.")
            severity = Severity.ERROR
            fix = ("Do not load it. Get the weights in safetensors from a trusted publisher, or "
                   "inspect the file with a pickle scanner (fickling, picklescan, modelscan) "
                   "in a sandbox. Never torch.load it without weights_only=True.")
        else:
            known = (f" (its pickle imports look harmless: "
                     f"{', '.join(imports[:5])}{' ...' if len(imports) > 5 else ''})"
                     if imports else "")
            message = (f"{who(comp)} is a pickle-based {kind} file ({fmt}){known}{partial}: "
                       "unpickling can run any code, so the file must be trusted as much as a "
                       "program, and a replaced file runs whatever its author wants.")
            severity = Severity.WARNING
            fix = ("Convert the weights to safetensors (or another format that holds only "
                   "tensors: GGUF, ONNX) and load that; until then load with "
                   "torch.load(..., weights_only=True) and pin the file's hash.")
        out.append(base.finding(UNSAFE_SERIALIZATION, comp, message, fix, severity=severity))
    return out


CHECKS = (
    Check(TRUST_REMOTE_CODE, Severity.ERROR,
          "models loaded with trust_remote_code=True (warning when the revision is pinned)",
          "Loading the model runs Python code from its repository with your rights.",
          "Use a natively supported architecture, or review the code and pin the revision.",
          check_trust_remote_code),
    Check(UNPINNED_MODEL, Severity.WARNING,
          "models fetched from a hub without a pinned revision",
          "The weights, tokenizer and code can be replaced under you.",
          "Pin the revision to a commit, or mirror the model.", check_unpinned_model),
    Check(HTTP_MODEL, Severity.ERROR,
          "model weights downloaded over plain http://",
          "Anyone on the network path can swap the weights.",
          "Use https and check the file's digest.", check_http_model_download),
    Check(UNSAFE_SERIALIZATION, Severity.WARNING,
          "pickle-based model files (error when their imports reach os, subprocess, eval ...) "
          "and Keras files with Lambda layers",
          "Unpickling runs code: a pickle is a program.",
          "Use safetensors; load pickles only with weights_only=True.",
          check_unsafe_serialization),
)
