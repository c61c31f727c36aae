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

        def render(lang: str, comp: Component = comp, pinned: bool = pinned,
                   revision: str | None = revision, computed: bool = computed
                   ) -> tuple[str, str]:
            if pinned:
                at = base.text(lang, "trust_remote_code.revision", revision=revision) \
                    if revision else ""
                tail = base.text(lang, "trust_remote_code.pinned", revision=at)
            else:
                tail = base.text(lang, "trust_remote_code.unpinned")
            key = "computed" if computed else "true"
            return (base.text(lang, f"trust_remote_code.message.{key}", who=who(comp)) + tail,
                    base.text(lang, "trust_remote_code.fix"))

        out.append(base.finding(TRUST_REMOTE_CODE, comp, base.localized(render),
                                severity=Severity.WARNING if pinned or computed
                                else Severity.ERROR))
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

        def render_unpinned(lang: str, comp: Component = comp,
                            revision: str | None = revision) -> tuple[str, str]:
            at = (base.text(lang, "unpinned_model.at", revision=revision) if revision
                  else base.text(lang, "unpinned_model.default_branch"))
            return (base.text(lang, "unpinned_model.message", who=who(comp), at=at),
                    base.text(lang, "unpinned_model.fix"))

        out.append(base.finding(UNPINNED_MODEL, comp, base.localized(render_unpinned),
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

        def render_http(lang: str, comp: Component = comp, shown: str = shown
                        ) -> tuple[str, str]:
            return (base.text(lang, "http_model.message", who=who(comp), urls=shown),
                    base.text(lang, "http_model.fix"))

        out.append(base.finding(HTTP_MODEL, comp, base.localized(render_http),
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
            def render_keras(lang: str, comp: Component = comp, kind: str = kind,
                             fmt: str = fmt, lambdas: int = lambdas) -> tuple[str, str]:
                number = "one" if lambdas == 1 else "other"
                return (base.text(lang, f"keras_lambda.message.{number}", who=who(comp),
                                  kind=base.text(lang, f"ai.kind.{kind}"), format=fmt,
                                  count=lambdas),
                        base.text(lang, "keras_lambda.fix"))

            out.append(base.finding(UNSAFE_SERIALIZATION, comp, base.localized(render_keras),
                                    severity=Severity.WARNING))
            continue
        imports = _imports(props)
        bad = dangerous_imports(imports)
        for value in props.get("pickle-dangerous-imports", ()):
            for item in value.split(","):
                item = item.strip()
                if item and item not in bad:
                    bad.append(item)
        incomplete = (_first(props, "pickle-scan") or "").lower() == "incomplete"

        def render_pickle(lang: str, comp: Component = comp, kind: str = kind, fmt: str = fmt,
                          bad: list[str] = bad, imports: list[str] = imports,
                          incomplete: bool = incomplete) -> tuple[str, str]:
            partial = base.text(lang, "pickle.partial") if incomplete else ""
            what = base.text(lang, f"ai.kind.{kind}")
            if bad:
                more = base.text(lang, "pickle.more", n=len(bad) - 8) if len(bad) > 8 else ""
                return (base.text(lang, "pickle.dangerous", who=who(comp), kind=what,
                                  format=fmt, imports=", ".join(bad[:8]) + more,
                                  partial=partial),
                        base.text(lang, "pickle.dangerous_fix"))
            known = (base.text(lang, "pickle.harmless_imports", imports=", ".join(imports[:5])
                               + (" ..." if len(imports) > 5 else ""))
                     if imports else "")
            return (base.text(lang, "pickle.message", who=who(comp), kind=what, format=fmt,
                              known=known, partial=partial),
                    base.text(lang, "pickle.fix"))

        out.append(base.finding(UNSAFE_SERIALIZATION, comp, base.localized(render_pickle),
                                severity=Severity.ERROR if bad else Severity.WARNING))
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
