"""MkDocs hook: copy MathJax (the jupyter-server-mathjax package's MathJax 2.7: scripts and fonts)
into the built site, so the documentation renders its maths offline, with no CDN."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

TARGET = "assets/mathjax"


def _source() -> Path:
    spec = importlib.util.find_spec("jupyter_server_mathjax")     # found, not imported
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax for the docs comes from the jupyter-server-mathjax package: "
                           "pip install -e '.[docs]'")
    return Path(list(spec.submodule_search_locations)[0]) / "static"


def on_post_build(config, **kwargs) -> None:
    src = _source()
    if not (src / "MathJax.js").is_file():
        raise RuntimeError(f"no MathJax.js in {src}")
    dest = Path(config["site_dir"]) / TARGET
    shutil.copytree(src, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("localization", "*.png"))
