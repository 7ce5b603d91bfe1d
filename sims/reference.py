"""The config reference, generated from the config classes: every field of every simulator with its
type, default, unit, meaning (the ``doc`` of its :func:`sims.config.param`) and the kinds whose
config has it. ``python -m sims.reference`` writes docs/reference/config.md; a test checks that the
page is up to date and that no field lacks a description."""
from __future__ import annotations

import argparse
import dataclasses
import typing
from pathlib import Path
from typing import Any

from .config import union_root, variants
from .registry import get_simulator, names

PAGE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "config.md"


@dataclasses.dataclass(frozen=True)
class FieldRow:
    """One field of a simulator's configs: ``kinds`` are the tag values whose class has it (empty
    for a simulator with one config class)."""

    name: str
    type: str
    default: Any
    unit: str
    doc: str
    kinds: tuple[str, ...]


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is tuple:
        return f"list of {_type_name(typing.get_args(hint)[0])}"
    if origin is not None and type(None) in typing.get_args(hint):
        inner = next(h for h in typing.get_args(hint) if h is not type(None))
        return f"{_type_name(inner)} or null"
    return getattr(hint, "__name__", str(hint))


def rows(config_cls: type) -> list[FieldRow]:
    """Every field of the configs of ``config_cls``'s simulator, once per distinct (name, doc,
    default): a field two kinds share with the same meaning and default is one row."""
    out: dict[tuple, FieldRow] = {}
    for tag, cls in variants(config_cls).items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            root = union_root(cls)
            is_tag = root is not None and f.name == root.TAG
            default = "(the kind)" if is_tag else f.default
            key = (f.name, f.metadata.get("doc", ""), repr(default))
            row = out.get(key)
            kinds = (tag,) if tag is not None else ()
            if row is None:
                out[key] = FieldRow(f.name, _type_name(hints[f.name]), default,
                                    f.metadata.get("unit", ""), f.metadata.get("doc", ""), kinds)
            else:
                out[key] = dataclasses.replace(row, kinds=row.kinds + kinds)
    return list(out.values())


def undocumented() -> list[str]:
    """``simulator.field`` (with its kinds) for every field without a description."""
    return [f"{sim}.{r.name} ({', '.join(r.kinds) or 'all'})" for sim in names()
            for r in rows(get_simulator(sim).config) if not r.doc.strip()]


def _cell(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    text = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return text.replace("|", "\\|")


def markdown() -> str:
    """The whole reference page."""
    lines = ["# Config reference", "",
             "Every field of every simulator's config, generated from the config classes "
             "(`python -m sims.reference`; do not edit by hand). A profile's YAML sets these "
             "fields per experiment; `--set key=value` and `sims.run(..., key=value)` override "
             "them. Where a simulator's experiments have different fields, its `kind` (or "
             "`model`) field picks the config class, and a field of another kind is an error. "
             "Every config has `seed` and `backend`.", ""]
    for sim_name in names():
        sim = get_simulator(sim_name)
        root = union_root(sim.config)
        lines += [f"## {sim_name}", ""]
        if root is not None:
            lines += [f"`{root.TAG}` picks the config class:", ""]
            for tag, cls in variants(sim.config).items():
                summary = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
                lines.append(f"- `{root.TAG}: {tag}` ({cls.__name__}): {summary}")
            lines.append("")
        lines += ["| field | type | default | unit | kinds | meaning |", "|---|---|---|---|---|---|"]
        for r in rows(sim.config):
            if r.name in ("seed", "backend"):
                continue
            kinds = ", ".join(r.kinds) if root is not None and len(r.kinds) < len(
                variants(sim.config)) else "all"
            lines.append(f"| `{r.name}` | {r.type} | {_cell(r.default)} | {r.unit} | {kinds} | "
                         f"{_cell(r.doc)} |")
        lines.append("")
    base = rows(get_simulator(names()[0]).config)
    lines += ["## Every simulator", "", "| field | type | default | meaning |", "|---|---|---|---|"]
    for r in base:
        if r.name in ("seed", "backend"):
            lines.append(f"| `{r.name}` | {r.type} | {_cell(r.default)} | {_cell(r.doc)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sims.reference", description=__doc__)
    ap.add_argument("--out", type=Path, default=PAGE)
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
