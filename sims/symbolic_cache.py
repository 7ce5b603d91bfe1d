"""The symbolic checks' verdicts, computed once per theory source.

A simulator's ``symbolic`` check (``theory.<module>.verify``) is pure: sympy on the theory
package's source alone, no random draw, no simulation. Its verdicts (tens of seconds of sympy for
some modules, once per simulator in every workflow's claims job) are therefore stored beside the
package, as numba stores its compiled kernels beside their source:
``theory/__pycache__/symbolic-<module>-<digest>.json``, with ``digest`` the SHA-256 of every
``theory/**/*.py`` file (path and bytes) and the versions of Python, sympy, mpmath and numpy. Any
edit of any theory file, or another library version, gives another digest: the checks run again.
A read-only install just recomputes (nothing is written); a ``verify`` that raises is not stored,
and one defined outside the theory package (a user's own simulator) is never cached.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import sys
from pathlib import Path
from typing import Callable, Mapping

import theory

ROOT = Path(theory.__file__).resolve().parent


@functools.cache
def digest(root: Path = ROOT) -> str:
    """SHA-256 of the theory sources under ``root`` and the library versions they run on."""
    import mpmath
    import numpy
    import sympy
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(f"{platform.python_version()}|{sympy.__version__}|{mpmath.__version__}|"
             f"{numpy.__version__}".encode())
    return h.hexdigest()[:16]


def cache_file(verify: Callable, root: Path = ROOT) -> Path:
    return root / "__pycache__" / f"symbolic-{verify.__module__}-{digest(root)}.json"


def verdicts(verify: Callable[[], Mapping[str, bool]], root: Path = ROOT) -> dict[str, bool]:
    """``verify()``'s verdicts {check: passed}, from the cache file when it exists; a ``verify``
    defined outside ``root`` (a user's simulator) is not covered by the digest: always run."""
    source = getattr(sys.modules.get(verify.__module__), "__file__", None)
    if source is None or not Path(source).resolve().is_relative_to(root.resolve()):
        return {k: bool(v) for k, v in verify().items()}
    path = cache_file(verify, root)
    if path.is_file():
        return {k: bool(v) for k, v in json.loads(path.read_text())["verdicts"]}
    out = {k: bool(v) for k, v in verify().items()}
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"module": verify.__module__, "verdicts": list(out.items())}))
        tmp.replace(path)
    except OSError:
        pass
    return out
