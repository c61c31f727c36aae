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
            def render_http(lang: str, comp: Component = comp, url: str = url
                            ) -> tuple[str, str]:
                unhashed = "" if comp.hashes else base.text(lang, "direct_url.http_no_hash")
                return (base.text(lang, "direct_url.http_message", name=comp.name, url=url)
                        + unhashed, base.text(lang, "direct_url.http_fix"))

            out.append(base.finding(DIRECT_URL, comp, base.localized(render_http),
                                    severity=Severity.ERROR))
            continue

        def render(lang: str, comp: Component = comp, url: str = url) -> tuple[str, str]:
            hashed = base.text(lang, "direct_url.hashed" if comp.hashes else "direct_url.unhashed")
            return (base.text(lang, "direct_url.message", name=comp.name, url=url, hashed=hashed),
                    base.text(lang, "direct_url.fix", name=comp.name))

        out.append(base.finding(DIRECT_URL, comp, base.localized(render),
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
        def render(lang: str, comp: Component = comp, indexes: str = indexes,
                   primary: str = primary) -> tuple[str, str]:
            return (base.text(lang, "extra_index.message", name=comp.name, indexes=indexes,
                              primary=primary),
                    base.text(lang, "extra_index.fix"))

        out.append(base.finding(EXTRA_INDEX, comp, base.localized(render),
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
        kind = "http" if http else "https"
        def render_index(lang: str, comp: Component = comp, url: str = url,
                         kind: str = kind) -> tuple[str, str]:
            return (base.text(lang, f"non_default_index.message.{kind}", name=comp.name,
                              url=url),
                    base.text(lang, f"non_default_index.fix.{kind}"))

        out.append(base.finding(NON_DEFAULT_INDEX, comp, base.localized(render_index),
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
        def render(lang: str, comp: Component = comp, path: str | None = path,
                   owner: str = project.name, version: str = project.version
                   ) -> tuple[str, str]:
            what = (base.text(lang, "local_path.path", path=path) if path
                    else base.text(lang, "local_path.editable"))
            return (base.text(lang, "local_path.message", who=who(comp), what=what,
                              project=owner, version=version, name=comp.name),
                    base.text(lang, "local_path.fix", name=comp.name,
                              classifier=PRIVATE_CLASSIFIER))

        out.append(base.finding(LOCAL_PATH, comp, base.localized(render),
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
