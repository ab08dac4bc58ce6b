"""The script's entry point and what it leaves behind: a run folder Mendel can read.

Only process 0 writes. The folder holds the run's network.json, preprocessing.json and
train_config.json (as exported), the new model.safetensors, history.csv, metrics.json and
a fresh manifest.json (size and sha256 of each file, Mendel's format), so
``mendel predict FOLDER DATA`` reads it like any run and refuses it once altered. The
ONNX and TorchScript files of the original run are not copied: they hold its weights.
It is written into a hidden sibling first and renamed into place when whole.
"""

from __future__ import annotations

# the line split_tensors gets when the run added reverse complements to its training rows
TRAINING_ROWS_MARK = "        # <<training rows>>\n"
REVERSE_COMPLEMENTS = """\
        if side == "train":  # the run added each training sequence's reverse complement
            Xn, yn = add_reverse_complements(Xn, yn)
"""

MAIN = '''
def split_tensors(X: np.ndarray, y: np.ndarray, device: torch.device) -> dict[str, torch.Tensor]:
    """The run's train / validation / test rows (its split, by row index)."""
    if len(X) != N_SAMPLES:
        fail(f"the data hold {len(X)} usable records, the run was trained on {N_SAMPLES}; "
             "give the same data")
    out = {}
    for side in ("train", "val", "test"):
        idx = np.asarray(SPLIT[side], dtype=np.int64)
        Xn, yn = X[idx], y[idx]
        # <<training rows>>
        Xs = torch.from_numpy(np.ascontiguousarray(Xn, dtype=np.float32)).to(device)
        if TASK == "reconstruct":  # an autoencoder rebuilds its (flattened) inputs
            ys = Xs.reshape(len(Xs), -1).clone()
        elif TASK == "classification":
            ys = torch.from_numpy(yn.astype(np.int64)).to(device)
        else:
            ys = torch.from_numpy(yn.astype(np.float32).reshape(len(yn), N_OUTPUTS))
            ys = ys.to(device)
        out[f"X_{side}"], out[f"y_{side}"] = Xs, ys
    return out


def measure(model: nn.Module, data: dict[str, torch.Tensor], device: torch.device
            ) -> dict[str, dict[str, float]]:
    """Loss and accuracy (or R-squared) of the final model on every split."""
    loss_fn = make_loss(data["y_train"], device)
    out = {}
    for side in ("train", "val", "test"):
        X, y = data[f"X_{side}"], data[f"y_{side}"]
        if not len(X):
            continue
        pred = forward_all(model, X, 256)
        out[side] = {"n": len(X), "loss": float(loss_fn(pred, y)), **quick_metrics(pred, y)}
    model.eval()
    return out


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_run(out: Path, model: nn.Module, history: list[dict[str, float]],
              end: dict[str, Any], metrics: dict[str, Any], epochs: int, note: str) -> None:
    """A run folder Mendel reads (``mendel predict OUT DATA``), written whole or not at all."""
    tmp = out.with_name(f".{out.name}.writing-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, obj in (("network.json", NETWORK), ("preprocessing.json", PREPROCESSING),
                      ("train_config.json", {**CONFIG, "epochs": epochs})):
        (tmp / name).write_text(json.dumps(obj, indent=2) + "\\n", encoding="utf-8")
    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(weights, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    columns = list(dict.fromkeys(k for row in history for k in row))
    with open(tmp / "history.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(history)
    best = next((r.get("val_loss") for r in history if r["epoch"] == end["best_epoch"]), None)
    summary = {**metrics, "task": TASK, "network": NETWORK.get("preset", "custom"),
               "epochs_run": len(history), "best_epoch": end["best_epoch"],
               "best_val_loss": best, "stopped_because": end["stopped"], "message": note,
               "split_sizes": {s: len(SPLIT[s]) for s in ("train", "val", "test")},
               "training_seed": CONFIG["seed"], "exported_from": RUN_NAME}
    (tmp / "metrics.json").write_text(json.dumps(summary, indent=2) + "\\n", encoding="utf-8")
    files = {p.name: {"size": p.stat().st_size, "sha256": sha256(p)}
             for p in sorted(tmp.iterdir())}
    manifest = {"format": "mendel-run-manifest/1", "files": files}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\\n", encoding="utf-8")
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
    os.rename(tmp, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help=DATA_HELP)
    parser.add_argument("--out", type=Path, default=Path("trained_run"),
                        help="run folder to write (new or empty; default trained_run)")
    parser.add_argument("--epochs", type=int, default=CONFIG["epochs"],
                        help=f"epochs to train (the run's: {CONFIG['epochs']})")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    args = parser.parse_args()
    if CONFIG["deterministic"]:  # before CUDA makes its first cuBLAS handle
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    rank, world, local_rank = distributed()
    device = pick_device(args.device, world, local_rank)
    if world > 1:  # gloo on CPUs, NCCL on GPUs
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if rank == 0 and args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        fail(f"{args.out} already exists and is not an empty folder; choose another --out")
    X, y = load_examples(args.data)
    data = split_tensors(X, y, device)
    # seeded right before the network is built, as Mendel does: the same initial weights
    torch.manual_seed(CONFIG["seed"])
    model = build_network().to(device)
    if rank == 0:
        sizes = ", ".join(f"{s} {len(SPLIT[s])}" for s in ("train", "val", "test"))
        print(f"training on {device} x {world} process(es); {sizes}", flush=True)
    history, end = train(model, data, args.epochs, device, rank, world)
    metrics = measure(model, data, device)
    if rank == 0:
        note = f"trained by {Path(sys.argv[0]).name} ({world} process(es), {device.type})"
        write_run(args.out, model, history, end, metrics, args.epochs, note)
        shown = "; ".join(f"{side} " + ", ".join(f"{k} {v:.4g}" for k, v in m.items()
                                                 if k != "n") for side, m in metrics.items())
        print(f"final: {shown}")
        print(f"saved the run folder {args.out} (mendel predict {args.out} DATA)")
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''
