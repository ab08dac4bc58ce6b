"""The session document built without the GUI (``mendel train --project``).

It has the keys and value forms of ``app.state.AppState.to_document()`` (core may not
import app; tests/app checks the two agree), so a project the command line created opens
in the app with the same data, options, network and training configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from core.project.schema import SESSION_VERSION

if TYPE_CHECKING:
    from core.data.options import EncodingOptions, LoadOptions
    from core.data.splits import SplitOptions
    from core.nn.spec import NetworkSpec
    from core.train.config import TrainConfig

SESSION_KEYS = ("version", "source", "load_options", "encoding", "split_options",
                "network_spec", "network_source", "preset", "train_config", "baselines",
                "recent_sources")


def session_document(source: str | None, load_options: LoadOptions,
                     encoding: EncodingOptions, split_options: SplitOptions,
                     train_config: TrainConfig, *, network_spec: NetworkSpec | None = None,
                     network_source: str = "", preset: str | None = None,
                     preset_options: dict[str, Any] | None = None,
                     baselines: Sequence[str] | None = None) -> dict[str, Any]:
    """A version-1 session document. Give ``network_spec`` (a designed network) or
    ``preset`` with its options; ``baselines`` None means the default choice."""
    from core.classic.baseline_info import DEFAULT_CHOICES

    return {
        "version": SESSION_VERSION,
        "source": source,
        "load_options": _plain(asdict(load_options)),
        "encoding": _plain(asdict(encoding)),
        "split_options": split_options.to_dict(),
        "network_spec": None if network_spec is None else network_spec.to_dict(),
        "network_source": network_source,
        "preset": None if preset is None else {"name": preset,
                                               "options": _plain(preset_options or {})},
        "train_config": train_config.to_dict(),
        "baselines": list(DEFAULT_CHOICES if baselines is None else baselines),
        "recent_sources": [],
    }


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively: what JSON holds (as ``AppState`` writes them)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
