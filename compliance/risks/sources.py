"""Sources: where packages are fetched from.

* ``risk/direct-url``: a package installed from a URL rather than an index (an error over
  plain ``http://``);
* ``risk/extra-index-url``: a package the installer may take from more than one index, the
  dependency-confusion surface;
* ``risk/non-default-index``: a package from an index other than PyPI;
* ``risk/local-path``: a local path (or editable) dependency of a project that is published.
"""

from __future__ import annotations

from compliance.model import Component, Finding, Inventory, Scope, Severity, SourceKind
from compliance.risks import base
from compliance.risks.base import Check, who

__all__ = ["CHECKS", "is_private"]

DIRECT_URL = "risk/direct-url"
EXTRA_INDEX = "risk/extra-index-url"
NON_DEFAULT_INDEX = "risk/non-default-index"
LOCAL_PATH = "risk/local-path"

PRIVATE_CLASSIFIER = "Private :: Do Not Upload"


def _plain_http(url: str | None) -> bool:
    return bool(url) and (url or "").lower().startswith("http://")


def _python(inv: Inventory) -> list[Component]:
    return [c for c in inv.components.values() if c.ecosystem == "pypi"]


def check_direct_url(inv: Inventory) -> list[Finding]:
    """``risk/direct-url``."""
    out = []
    for comp in _python(inv):
        src = comp.source
        if src.kind is not SourceKind.URL:
            continue
        url = base.show_url(src.url)
        if _plain_http(src.url):
            out.append(base.finding(
                DIRECT_URL, comp,
                f"'{comp.name}' is downloaded from {url} over plain HTTP: anyone on the network "
                "path (public Wi-Fi, a proxy, a compromised router) can replace the file, and "
                "the install runs its code."
                + ("" if comp.hashes else " No hash is recorded that would catch it."),
                "Use an https:// URL, record the artifact's hash (--hash=sha256:<digest>, or "
                "#sha256=<digest> on the URL), or better, depend on the released package from an "
                "index.",
                severity=Severity.ERROR))
            continue
        hashed = ("Its hash is recorded, so the file cannot change unseen, but" if comp.hashes
                  else "Nothing records its hash, so the file behind the URL can change, and")
        out.append(base.finding(
            DIRECT_URL, comp,
            f"'{comp.name}' is installed from a direct URL ({url}), not from an index: the "
            f"index's release history, yanking and malware removal do not cover it, and tools "
            f"that audit dependencies by name and version cannot match it to advisories. "
            f"{hashed} a published package cannot depend on a URL.",
            f"Depend on the released package from an index ('{comp.name}==<version>' with "
            "hashes). If the URL is needed, keep it on https and record the artifact's hash.",
            severity=Severity.WARNING))
    return out


def check_extra_index_url(inv: Inventory) -> list[Finding]:
    """``risk/extra-index-url``."""
    out = []
    for comp in _python(inv):
        if not comp.extra_indexes or comp.source.kind is not SourceKind.REGISTRY:
            continue
        extra = sorted(comp.extra_indexes)
        indexes = base.show_urls(extra)
        primary = base.show_url(comp.source.url)
        out.append(base.finding(
            EXTRA_INDEX, comp,
            f"'{comp.name}' may be installed from {indexes} as well as from {primary} "
            f"(--extra-index-url): pip treats every index as equal and takes the highest "
            f"version it finds on any of them, so whoever publishes a package named "
            f"'{comp.name}' with a higher version on another of them gets their code installed "
            "(dependency confusion).",
            "Install from one index that proxies the others (a single --index-url), or tie the "
            "package to its index (uv: an explicit [[tool.uv.index]] named in "
            "[tool.uv.sources]; poetry: a source with priority = \"explicit\"), and lock it "
            "with hashes.",
            severity=Severity.WARNING))
    return out


def check_non_default_index(inv: Inventory) -> list[Finding]:
    """``risk/non-default-index``."""
    out = []
    for comp in _python(inv):
        src = comp.source
        if src.kind is not SourceKind.REGISTRY or src.is_default_registry:
            continue
        url = base.show_url(src.url)
        http = _plain_http(src.url)
        out.append(base.finding(
            NON_DEFAULT_INDEX, comp,
            f"'{comp.name}' comes from the index {url}, not PyPI: who may publish to it, how "
            "long it keeps releases and whether it is reachable are up to that index"
            + (", and it is reached over plain HTTP, so anyone on the network path can change "
               "what is installed." if http else "."),
            ("Serve the index over https, make sure it is" if http
             else "Make sure the index is")
            + " one your organisation controls or trusts, and lock hashes for what it serves.",
            severity=Severity.WARNING if http else Severity.INFO))
    return out


def is_private(inv: Inventory) -> bool:
    """True when the project says it is not to be published: a ``private`` attribute on the
    project (when the model has one), or the ``Private :: Do Not Upload`` classifier."""
    project = inv.project
    if project is None:
        return False
    if getattr(project, "private", False):
        return True
    classifiers = getattr(project, "classifiers", ()) or ()
    return PRIVATE_CLASSIFIER in classifiers


def check_local_path(inv: Inventory) -> list[Finding]:
    """``risk/local-path``: only for a published project (it has a version, is not private)."""
    project = inv.project
    if project is None or not project.version or is_private(inv):
        return []
    from compliance.model import canonical_name

    own = canonical_name(project.name)
    out = []
    for comp in _python(inv):
        if comp.source.kind is not SourceKind.PATH and not comp.editable:
            continue
        if comp.scope is Scope.EXCLUDED or comp.name == own:
            continue
        path = comp.source.url if comp.source.kind is SourceKind.PATH else None
        what = f"a local path ({path})" if path else "an editable install"
        out.append(base.finding(
            LOCAL_PATH, comp,
            f"{who(comp)} is {what} dependency of {project.name} {project.version}, a project "
            f"with a version and not marked private, so presumably published: a published "
            f"package cannot carry a local path, so installs of it fail, or resolve "
            f"'{comp.name}' from an index instead, which may not be the code you tested, or may "
            "be someone else's package of that name.",
            f"Publish '{comp.name}' and depend on a released version, or vendor it into this "
            "package. Keep path dependencies in development groups; if the project is never "
            f"published, mark it with the classifier '{PRIVATE_CLASSIFIER}'.",
            severity=Severity.WARNING))
    return out


CHECKS = (
    Check(DIRECT_URL, Severity.WARNING,
          "packages from a direct URL (error over plain http://)",
          "A URL bypasses the index's history and malware removal, and advisories cannot match "
          "it; over http anyone on the path can swap the file.",
          "Depend on a released version from an index; else use https and record the hash.",
          check_direct_url),
    Check(EXTRA_INDEX, Severity.WARNING,
          "packages that may come from extra indexes (dependency confusion)",
          "pip takes the highest version from any index, so a look-alike on another index wins.",
          "Use one proxying index, or tie the package to its index, and lock with hashes.",
          check_extra_index_url),
    Check(NON_DEFAULT_INDEX, Severity.INFO,
          "packages from an index other than PyPI",
          "Publishing rights, retention and availability depend on that index.",
          "Use an index you control or trust, over https, with hashes locked.",
          check_non_default_index),
    Check(LOCAL_PATH, Severity.WARNING,
          "local path or editable dependencies of a published project",
          "A published package cannot carry a local path: installs fail or fetch another "
          "package of that name.",
          "Publish and depend on a release, vendor it, or keep it in a dev group.",
          check_local_path),
)
