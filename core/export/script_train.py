"""The training part of the exported script: Mendel's trainer retold in plain PyTorch.

It follows ``core.train.trainer`` step for step where the numbers depend on it: the seed
is set before the network is built, the batch order is ``torch.randperm`` on a generator
seeded with the training seed, a last batch of one sample joins the one before, the
optimizers are torch's fused ones where Mendel uses them, one-cycle steps per batch and
the other schedules per epoch, the reported losses leave out the L1/L2 penalty, and the
validation loss is measured in eval mode in chunks, and mixed precision (CUDA only) is
Mendel's (bfloat16, else float16 with a gradient scaler). So on the CPU one process
repeats the run's losses. Under torchrun the batches come from a ``DistributedSampler`` instead
(each process a shard, the global batch the run's), which cannot repeat the run's order.
The text is Python source kept as strings: ``core.export.script`` joins the parts.
"""

from __future__ import annotations

SETUP = '''
def fail(message: str) -> None:
    """One line on stderr and exit status 1, like Mendel's command line."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1)


def distributed() -> tuple[int, int, int]:
    """(rank, world size, local rank); (0, 1, 0) when not started by torchrun."""
    if "WORLD_SIZE" not in os.environ or int(os.environ["WORLD_SIZE"]) < 2:
        return 0, 1, 0
    return (int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]),
            int(os.environ.get("LOCAL_RANK", "0")))


def pick_device(name: str, world: int, local_rank: int) -> torch.device:
    """'auto' takes a GPU when there is one; under torchrun each process its own."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and world > 1:
        return torch.device("cuda", local_rank)
    return torch.device(name)


def batch_size_for(n_train: int, device_type: str) -> int:
    """The run's batch size: a number, None (every sample) or 0 ("auto": about 1/32 of
    the training samples, a power of two from 16 to 256, 32 to 1024 on a GPU)."""
    size, n = CONFIG["batch_size"], max(1, n_train)
    if size is None:
        return n
    if size > 0:
        return min(size, n)
    low, high = (32, 1024) if device_type in ("cuda", "mps") else (16, 256)
    power = 2 ** round(math.log2(max(1.0, n / 32)))
    return min(max(power, low), high, n)


def batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """[start, end) slices of an epoch's order; a last batch of one sample is folded into
    the one before (BatchNorm cannot train on one sample)."""
    bs = max(1, min(batch_size, n))
    starts = list(range(0, n, bs))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [(s, starts[i + 1] if i + 1 < len(starts) else n) for i, s in enumerate(starts)]
'''

LOSS = '''
def make_loss(y_train: torch.Tensor, device: torch.device) -> Callable[..., torch.Tensor]:
    """The run's loss: 'auto' is cross-entropy for classes and MSE for numbers."""
    name = CONFIG["loss"]
    classes = TASK == "classification"
    if name == "auto":
        name = "cross_entropy" if classes else "mse"
    weight = None
    if CONFIG["class_weights"] == "balanced":  # n / (classes present x count), as sklearn
        y = y_train.cpu().numpy()
        present, counts = np.unique(y, return_counts=True)
        w = np.ones(N_OUTPUTS)
        w[present] = len(y) / (len(present) * counts)
        weight = torch.as_tensor(w, dtype=torch.float32, device=device)
    if name == "cross_entropy":
        return nn.CrossEntropyLoss(weight=weight)
    if name == "bce":  # two classes: the sigmoid of the logits' difference

        def bce(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            w = None if weight is None else weight[y]
            return F.binary_cross_entropy_with_logits(out[:, 1] - out[:, 0], y.float(), w)

        return bce
    if name == "mae":
        return nn.L1Loss()
    if name == "huber":
        return nn.HuberLoss(delta=CONFIG["huber_delta"])
    return nn.MSELoss()


def make_optimizer(params: list[nn.Parameter], device: torch.device) -> torch.optim.Optimizer:
    """The run's optimizer, with torch's fused kernels where Mendel uses them."""
    c, o = CONFIG, CONFIG["optimizer"]
    fused = {"fused": True} if device.type in ("cpu", "cuda") else {}
    lr, wd, betas = c["lr"], c["weight_decay"], tuple(c["betas"])
    if o == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=c["momentum"], nesterov=c["nesterov"],
                               weight_decay=wd, **fused)
    if o == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=wd, **fused)
    if o == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=wd, **fused)
    if o == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=c["momentum"], weight_decay=wd)
    if o == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd,
                                   **(fused if device.type == "cpu" else {}))
    return torch.optim.Adadelta(params, lr=lr, weight_decay=wd)


def make_scheduler(opt: torch.optim.Optimizer, epochs: int, batches: int) -> Any:
    """One-cycle (per batch: warm up over a quarter of the steps, then anneal), step,
    cosine, plateau (per epoch) or None."""
    sched, c = torch.optim.lr_scheduler, CONFIG
    if c["schedule"] == "onecycle":
        total = epochs * batches
        return sched.OneCycleLR(opt, max_lr=c["lr"], total_steps=total,
                                pct_start=0.25 if total != 4 else 0.3, cycle_momentum=False)
    if c["schedule"] == "step":
        return sched.StepLR(opt, step_size=c["step_size"], gamma=c["gamma"])
    if c["schedule"] == "cosine":
        return sched.CosineAnnealingLR(opt, T_max=epochs)
    if c["schedule"] == "plateau":
        return sched.ReduceLROnPlateau(opt, mode="min", factor=c["gamma"],
                                       patience=c["plateau_patience"])
    return None
'''

LOOP = '''
def forward_all(model: nn.Module, X: torch.Tensor, chunk: int) -> torch.Tensor:
    """Outputs for every row in eval mode, in chunks of a batch (at least 256)."""
    chunk = max(chunk, 256)
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(X[i:i + chunk]) for i in range(0, len(X), chunk)])
    model.train()
    return out


def quick_metrics(out: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Accuracy for classes (``out`` may be predicted classes), else R-squared."""
    if TASK == "classification":
        predicted = out.argmax(1) if out.dim() == 2 else out
        return {"accuracy": float((predicted == y).float().mean())}
    ss = float(((y - y.mean(0)) ** 2).sum())
    return {"r2": 1.0 - float(((out - y) ** 2).sum()) / ss} if ss else {}


def train(model: nn.Module, data: dict[str, torch.Tensor], epochs: int, device: torch.device,
          rank: int, world: int) -> tuple[list[dict[str, float]], dict[str, Any]]:
    """Train as the run did; returns the history rows and what the run ended with."""
    c = CONFIG
    X, y, Xv, yv = data["X_train"], data["y_train"], data["X_val"], data["y_val"]
    n, n_val = len(X), len(Xv)
    classes = TASK == "classification"
    loss_fn = make_loss(y, device)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = make_optimizer(params, device)
    batch_size = batch_size_for(n, device.type)
    sampler = None
    if world > 1:  # each process trains on a shard; the global batch stays the run's
        sampler = DistributedSampler(TensorDataset(torch.arange(n)), num_replicas=world,
                                     rank=rank, shuffle=True, seed=c["seed"])
        net: nn.Module = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
        bounds = batch_bounds(len(sampler), max(1, batch_size // world))
    else:
        net = model
        bounds = batch_bounds(n, batch_size)
    scheduler = make_scheduler(opt, epochs, len(bounds))
    per_batch = scheduler if c["schedule"] == "onecycle" else None
    penalized = [p for p in params if p.dim() > 1] if (c["l1"] or c["l2"]) else []
    noise = c["reconstruct_noise"]
    # mixed precision, as the run asked (CUDA only): bfloat16 where the GPU has it, else
    # float16 with a gradient scaler; the weights and the optimizer stay float32
    amp = None
    if c.get("amp") and device.type == "cuda":
        amp = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 else None
    gen = torch.Generator().manual_seed(c["seed"])
    keep_best = c["early_stopping"] is not None and c["restore_best"]
    best_loss, best_epoch, since_best, best_state = math.inf, 0, 0, None
    patience_loss, stopped = math.inf, "completed"
    history: list[dict[str, float]] = []
    model.train()
    for epoch in range(1, epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
            order: torch.Tensor | None = torch.tensor(list(sampler), device=device)
        else:
            order = None if len(bounds) == 1 else torch.randperm(n, generator=gen).to(device)
        losses, outs, seen, sizes = [], [], [], []
        for s, e in bounds:
            idx = torch.arange(n, device=device) if order is None else order[s:e]
            xb, yb = X[idx], y[idx]
            if noise:  # a denoising autoencoder: the target stays clean
                xb = xb + noise * torch.randn(xb.shape, generator=gen).to(device)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                out = net(xb)
                loss = loss_fn(out, yb)
            total = loss
            if c["l1"]:
                total = total + c["l1"] * sum(p.abs().sum() for p in penalized)
            if c["l2"]:
                total = total + c["l2"] * sum(p.pow(2).sum() for p in penalized)
            if scaler is None:
                total.backward()
                if c["grad_clip"]:
                    nn.utils.clip_grad_norm_(params, c["grad_clip"])
                opt.step()
            else:  # unscaled before clipping, so the norm is the true one
                scaler.scale(total).backward()
                if c["grad_clip"]:
                    scaler.unscale_(opt)
                    nn.utils.clip_grad_norm_(params, c["grad_clip"])
                scaler.step(opt)
                scaler.update()
            if per_batch is not None:
                per_batch.step()
            losses.append(loss.detach())
            outs.append(out.detach().argmax(1) if classes else out.detach())
            seen.append(yb)
            sizes.append(len(idx))
        size = torch.tensor(sizes, dtype=torch.float32, device=device)
        summed = torch.stack([(torch.stack(losses) * size).sum(), size.sum()])
        if world > 1:  # the epoch's loss over every process's samples
            dist.all_reduce(summed)
        train_loss = float(summed[0] / summed[1])
        if not math.isfinite(train_loss):
            stopped = "nan"
            break
        row = {"epoch": epoch, "train_loss": train_loss}
        train_metrics = quick_metrics(torch.cat(outs), torch.cat(seen))
        # under torchrun: accuracy over every process; R-squared is process 0's shard
        if world > 1 and classes:
            hits = torch.tensor([train_metrics["accuracy"] * len(torch.cat(seen)),
                                 len(torch.cat(seen))], device=device)
            dist.all_reduce(hits)
            train_metrics["accuracy"] = float(hits[0] / hits[1])
        val_metrics: dict[str, float] = {}
        if n_val:  # every process measures the whole validation split (same weights)
            with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                val_out = forward_all(model, Xv, batch_size).float()
            row["val_loss"] = float(loss_fn(val_out, yv))
            val_metrics = quick_metrics(val_out, yv)
        row["lr"] = float(opt.param_groups[0]["lr"])
        row.update({f"train_{k}": v for k, v in train_metrics.items()})
        row.update({f"val_{k}": v for k, v in val_metrics.items()})
        history.append(row)
        if rank == 0:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch")
            print(f"epoch {epoch}/{epochs}: {shown}", flush=True)
        monitored = row.get("val_loss", train_loss)
        if monitored < best_loss:
            best_loss, best_epoch = monitored, epoch
            if keep_best:
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if monitored < patience_loss - c["min_delta"]:
            patience_loss, since_best = monitored, 0
        else:
            since_best += 1
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(monitored)
        elif scheduler is not None and per_batch is None:
            scheduler.step()
        if c["early_stopping"] is not None and since_best >= c["early_stopping"]:
            stopped = "early_stopping"
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history, {"best_epoch": best_epoch, "best_loss": best_loss, "stopped": stopped}
'''
