"""The ranking chart: horizontal bars of the scores, coloured by fit band, the package marked.

matplotlib is imported only here, inside :func:`ranking_chart`, and only the report
commands call it; without the ``report`` extra it raises a MigdevError that says how to
install it. The PNG carries no timestamp or version, so the same ranking gives the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

from .errors import MigdevError

INSTALL_HINT = "pip install 'migdev[report]'"
FIT_COLOURS = {"strong": "#1b7837", "possible": "#e0a526", "weak": "#9e9e9e"}
FIT_NAMES = {"strong": "Strong fit", "possible": "Possible fit", "weak": "Weak fit"}
NAME_WIDTH = 40


def require_matplotlib() -> None:
    """Fail early, with the way to install it, when the plotting library is missing."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise MigdevError(f"the ranking chart needs matplotlib: {INSTALL_HINT}")


def _short(name: str) -> str:
    """The name on at most two lines of ``NAME_WIDTH`` characters (cut with … beyond)."""
    import textwrap

    lines = textwrap.wrap(name, NAME_WIDTH)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), NAME_WIDTH, placeholder=" …")]
    return "\n".join(lines)


def ranking_chart(ranking: list[dict[str, Any]], *, dpi: int = 150) -> bytes:
    """A PNG of the ranked instruments' scores (``report["ranking"]`` items), best at the top."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    items = list(reversed(ranking))
    lines = sum(1 + ("\n" in _short(r["name"])) for r in items)
    height = max(2.0, 0.1 * lines + 0.08 * len(items) + 0.9)
    fig = Figure(figsize=(7.0, height), dpi=dpi)
    ax = fig.add_subplot()
    ys = range(len(items))
    colours = [FIT_COLOURS.get(r["fit"], "#9e9e9e") for r in items]
    edges = ["#000000" if r["in_package"] else "none" for r in items]
    ax.barh(list(ys), [r["score"] for r in items], color=colours, edgecolor=edges, linewidth=1.2, height=0.7)
    ax.set_yticks(list(ys))
    labels = ax.set_yticklabels([_short(r["name"]) for r in items], fontsize=7, linespacing=0.95)
    for label, r in zip(labels, items, strict=True):
        if r["in_package"]:
            label.set_fontweight("bold")
    for y, r in zip(ys, items, strict=True):
        text = f"{r['score']:.1f}"
        if r["in_package"]:
            text += f"  package, phase {r['phase']}" if r.get("phase") else "  package"
        ax.text(r["score"] + 1, y, text, va="center", fontsize=7)
    ax.set_xlim(0, 115)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.axvline(50, color="#555555", linewidth=0.6, linestyle=":")
    ax.set_xlabel("Score (0 to 100; 50 is neutral)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_ylim(-0.6, len(items) - 0.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    present = [f for f in FIT_COLOURS if any(r["fit"] == f for r in items)]
    handles = [Patch(facecolor=FIT_COLOURS[f], label=FIT_NAMES[f]) for f in present]
    if any(r["in_package"] for r in items):
        handles.append(Patch(facecolor="white", edgecolor="#000000", label="In the package (bold)"))
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
