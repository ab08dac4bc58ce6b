"""MODEL_CARD.md: a plain-language record of what a model is, how it was made and how good
it is, written next to the weights so it travels with them.

The sections follow the model-card idea (Mitchell et al., 2019) at the scale of a lab
notebook: data with its checksum, network, configuration, results against simple
baselines on the same split, reproducibility facts, and what the model must not be used for.
"""

from __future__ import annotations

from typing import Any

from core.nn.shapes import summary_text
from core.train.augment_options import format_augment
from core.train.config import TrainConfig
from core.train.report import frame_markdown, results_frame
from core.train.run import TrainingOutcome


def model_card(outcome: TrainingOutcome, metrics: dict[str, Any]) -> str:
    """The card's Markdown text; ``metrics`` is the metrics.json object of the run."""
    from core.data.summary import format_summary, summarize

    ds, data, config = outcome.dataset, outcome.data, outcome.config
    prov = ds.provenance
    versions = metrics.get("versions", {})
    title = ds.name or (prov.source if prov else "dataset")
    lines = [
        f"# Model card: {outcome.network_source} network on {title}",
        "",
        f"Created {metrics.get('created', '')} with Mendel {versions.get('mendel', '?')}.",
        "",
        "## Intended use",
        "",
        f"A {data.task} model for {ds.modality} data shaped like its training data "
        f"(input {tuple(data.input_shape)})"
        + (f", predicting one of: {', '.join(data.class_names)}." if data.class_names else "."),
        "It was trained for research and teaching. Use `mendel predict` with this folder so "
        "new input is encoded exactly as the training data was.",
        "",
        "## Limitations",
        "",
        f"- Trained on {data.sizes()['train']} samples from one source; it has not been "
        "validated on data from other labs, instruments, species or populations.",
        "- The test figures below come from a held-out part of the same source, so they are "
        "likely optimistic for new data.",
        "- Inputs unlike the training data (other lengths, alphabets, image sizes, feature "
        "ranges) are encoded anyway and may get confident but meaningless predictions.",
        "- It is not a diagnostic device and must not drive clinical decisions.",
        "",
        "## Data",
        "",
        f"- Source: `{prov.source if prov else ds.name}`",
        f"- SHA-256: `{prov.sha256}`" if prov and prov.sha256 else
        "- SHA-256: none (generated demo data)",
        f"- Loader: {prov.loader if prov else '?'}; options: "
        f"`{_inline(prov.options if prov else {})}`",
        f"- Encoding (fitted on the training split): `{_encoding(outcome)}`",
        f"- Split (seed {outcome.split.seed}): " + ", ".join(
            f"{k} {v}" for k, v in data.sizes().items()),
        "",
        "```",
        format_summary(summarize(ds, outcome.split, outcome.preprocessing)),
        "```",
        "",
        "## Network",
        "",
        "```",
        summary_text(outcome.summary, config.batch_for(data.sizes()["train"]),
                     config.optimizer, config.momentum),
        "```",
        "",
        "## Training",
        "",
        _config_table(config),
        "",
        f"Ran {metrics.get('epochs_run')} epochs on {metrics.get('device')} in "
        f"{metrics.get('train_seconds', 0.0):.1f} s; best epoch {metrics.get('best_epoch')}; "
        f"stopped because: {metrics.get('stopped_because')}."
        + (f" {metrics['message']}" if metrics.get("message") else ""),
        "",
        "## Results",
        "",
        frame_markdown(results_frame(outcome.metrics, outcome.baseline, data.task)),
        "",
        "Baselines are classic models fitted on the same training split and measured on the "
        "same test split; a network that does not beat them is not worth its complexity.",
        "",
        "## Reproducibility",
        "",
        f"- Seed: {config.seed} (initial weights, batch order, dropout and the baselines)",
        f"- Split seed: {outcome.split.seed} (which samples are training, validation and "
        "test)",
        f"- Deterministic algorithms: {config.deterministic}",
        f"- ONNX vs PyTorch max abs difference: {_fmt(metrics.get('onnx_max_abs_diff'))}",
        f"- TorchScript vs PyTorch max abs difference: "
        f"{_fmt(metrics.get('torchscript_max_abs_diff'))}",
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "",
        "## Files",
        "",
        "network.json (architecture), preprocessing.json (encoding fitted on the training "
        "split), train_config.json, model.safetensors (weights, no code), model.onnx, "
        "model.torchscript.pt, history.csv (per epoch), metrics.json.",
        "",
    ]
    return "\n".join(lines)


def _encoding(outcome: TrainingOutcome) -> str:
    """The fitted preprocessing's settings; a table's per-column statistics are counted,
    not listed (they are in preprocessing.json)."""
    d = outcome.preprocessing.to_dict()
    shown = {k: v for k, v in d.items() if not isinstance(v, list | dict) and v is not None}
    if isinstance(d.get("columns"), list):
        shown["columns"] = len(d["columns"])
    return _inline(shown)


def _inline(d: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in d.items()) or "defaults"


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _config_table(config: TrainConfig) -> str:
    """Options that differ from the defaults, plus the ones everyone asks about."""
    defaults = TrainConfig().to_dict()
    always = ("epochs", "batch_size", "optimizer", "lr", "loss")
    rows = ["| option | value |", "|---|---|"]
    for key, value in config.to_dict().items():
        if key in always or (value != defaults[key] and key not in ("extra", "seed")):
            shown = "full batch" if key == "batch_size" and value is None else value
            if key == "augment":  # the --augment spelling: hflip,rotate=10
                shown = format_augment(value)
            if key == "batch_size" and value == 0:
                shown = "auto"
            rows.append(f"| {key} | {_fmt(shown)} |")
    return "\n".join(rows)
