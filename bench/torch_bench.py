"""PyTorch (CPU) peers of the featstats benchmark cases, driven by bench/torchRunner.ts.

Reads a JSON request on stdin:
    {"cases": [{"op": "instanceNorm", "size": "medium", "shape": [8, 32, 32, 512]}, ...],
     "threads": [1, 2], "sampling": {...}, "seed": 1}
and prints one JSON object on stdout: the torch version and, per case and thread count,
the forward and forward+backward medians with their spread, measured with the same
sampling policy as the tfjs cases (bench/config.ts).

Shapes arrive as the tfjs case gives them (features NHWC); feature maps are run in
PyTorch's native NCHW layout (layerNorm keeps NHWC, as it normalises over C). The code
follows torch.nn.functional and the public reference code of AdaIN, EFDM and EFDMix.
Run with Debian's /usr/bin/python3 and python3-torch; not needed for CI.

The BLAS torch multiplies matrices with is reported too (`blas_in_use`): Debian's torch
links the system libblas.so.3, which is the netlib reference BLAS unless an optimized one
(`apt-get install libopenblas0-pthread`) is installed, and a reference BLAS is ~20x
slower on a matrix product than the MKL that pip wheels ship. bench/ratios.ts refuses
matrix-product ratios against it.
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

EPSILON = 1e-5


def nchw(shape):
    n, h, w, c = shape
    return (n, c, h, w)


def randn(shape, mean=0.0, std=1.0):
    return torch.randn(*shape) * std + mean


def leaf(t):
    return t.detach().requires_grad_(True)


# ------------------------------------------------------------------ reference code


def calc_mean_std(feat, eps=EPSILON):
    """AdaIN/EFDM reference: unbiased variance, epsilon inside the root."""
    n, c = feat.shape[:2]
    var = feat.view(n, c, -1).var(dim=2) + eps
    return feat.view(n, c, -1).mean(dim=2).view(n, c, 1, 1), var.sqrt().view(n, c, 1, 1)


def adain(content, style):
    c_mean, c_std = calc_mean_std(content)
    s_mean, s_std = calc_mean_std(style)
    return (content - c_mean) / c_std * s_std + s_mean


def efdm(content, style):
    """EFDM reference: sort, sort, argsort, gather; straight-through to content."""
    b, c, h, w = content.shape
    content_view = content.view(b, c, -1)
    _, index_content = torch.sort(content_view)
    value_style, _ = torch.sort(style.view(b, c, -1))
    inverse_index = index_content.argsort(-1)
    return (content_view + (value_style.gather(-1, inverse_index) - content_view.detach())).view(b, c, h, w)


def efdmix(x, perm, lam):
    """EFDMix reference (random mode): the partner's sorted values at x's ranks, mixed by 1 − λ."""
    b, c, h, w = x.shape
    x_view = x.view(b, c, -1)
    value_x, index_x = torch.sort(x_view)
    inverse_index = index_x.argsort(-1)
    copy = value_x[perm].gather(-1, inverse_index)
    return (x_view + (copy - x_view.detach()) * (1 - lam)).view(b, c, h, w)


def gaussian_taps(size, sigma):
    radius = (size - 1) // 2
    taps = torch.tensor([math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)) for k in range(size)])
    return taps / taps.sum()


def blur(x, size, sigma):
    """Separable Gaussian: reflection pad, then two depthwise convolutions (NCHW)."""
    c = x.shape[1]
    taps = gaussian_taps(size, sigma)
    radius = (size - 1) // 2
    padded = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    vertical = F.conv2d(padded, taps.view(1, 1, size, 1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(vertical, taps.view(1, 1, 1, size).repeat(c, 1, 1, 1), groups=c)


def information_bottleneck(r, alpha, mean, std, noise):
    """IBA's per-sample bottleneck and capacity, σ = 1 smoothing (kernel 5)."""
    lam = blur(torch.sigmoid(alpha).unsqueeze(0), 5, 1.0)
    output = lam * r + (1 - lam) * (mean + std * noise)
    mean_z = lam * (r - mean) / std
    var_z = (1 - lam) ** 2
    capacity = -0.5 * (1 + torch.log(var_z) - mean_z ** 2 - var_z)
    return output, capacity


def unit(x):
    return F.normalize(x.flatten(1), dim=1)


def nt_xent(a, b, temperature=0.1):
    n = a.shape[0]
    z = F.normalize(torch.cat([a, b]), dim=1)
    logits = z @ z.T / temperature - 1e9 * torch.eye(2 * n)
    targets = (torch.arange(2 * n) + n) % (2 * n)
    return F.cross_entropy(logits, targets)


def sup_con(z, labels, temperature=0.07):
    n = z.shape[0]
    same = (labels[:, None] == labels[None, :]).float() - torch.eye(n)
    u = F.normalize(z, dim=1)
    logits = u @ u.T / temperature - 1e9 * torch.eye(n)
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -((same * log_prob).sum(1) / same.sum(1)).mean()


def ie_contra_ast_ids(half):
    style = [i % half for i in range(2 * half)]
    content = [i if i < half else (i - half + 1) % half for i in range(2 * half)]
    return torch.tensor(style), torch.tensor(content)


def id_contrastive(emb, primary, secondary, temperature=0.2):
    same_primary = primary[:, None] == primary[None, :]
    same_secondary = secondary[:, None] == secondary[None, :]
    positive = (same_primary & ~same_secondary).float()
    negative = (~same_primary & ~same_secondary).float()
    u = F.normalize(emb, dim=1)
    logits = u @ u.T / temperature
    negatives = torch.logsumexp(logits - 1e9 * (1 - negative), dim=1, keepdim=True)
    return (positive * F.softplus(negatives - logits)).sum()


# ------------------------------------------------------------------ the BLAS in use

# Shared objects of optimized BLAS implementations, as their files are named.
OPTIMIZED_BLAS = ("openblas", "mkl", "blis", "atlas")


def blas_in_use():
    """Which BLAS torch's matrix products run on, judged from what is loaded, not from
    torch.__config__ (Debian builds with BLAS_INFO=generic whichever libblas.so.3 the
    alternatives system later points at)."""
    configured = next((item.split("=", 1)[1] for item in torch.__config__.show().replace(",", " ").split() if item.startswith("BLAS_INFO=")), "unknown")
    torch.ones(64, 64) @ torch.ones(64, 64)  # loads the BLAS if it is loaded lazily
    try:
        with open("/proc/self/maps") as maps:
            libraries = sorted({line.split()[-1] for line in maps if ".so" in line and any(key in line.split()[-1].lower() for key in ("blas", "mkl", "blis", "atlas"))})
    except OSError:  # not Linux: nothing to read, the configured value decides
        libraries = []
    if configured.lower() in ("mkl", "open", "openblas", "blis") or any(key in path.lower() for path in libraries for key in OPTIMIZED_BLAS):
        kind = "optimized"
    elif any("libblas.so" in path for path in libraries):
        kind = "reference"
    else:
        kind = "unknown"
    # One 256x512 . 512x256 product at one thread: 17.7 ms on the reference BLAS of this
    # project's machines, 0.8 ms on OpenBLAS (docs/ENVIRONMENT.md), so the figure shows the
    # judgement's ground in the results.
    torch.set_num_threads(1)
    a, b = torch.randn(256, 512), torch.randn(512, 256)
    probe = summarize([time_once(lambda: a @ b) for _ in range(20)])["medianMs"]
    return {"kind": kind, "configured": configured, "libraries": libraries, "probeMs": probe}


# ------------------------------------------------------------------ cases


def case(op, shape):
    """(differentiable inputs, function of them returning a tensor or a tuple)."""
    if op == "meanStd":
        return [randn(nchw(shape), 1, 2)], calc_mean_std
    if op == "adain":
        return [randn(nchw(shape)), randn(nchw(shape), 3, 2)], adain
    if op == "efdm":
        return [randn(nchw(shape)), randn(nchw(shape), 3, 2)], efdm
    if op == "efdmix":
        b = shape[0]
        perm = torch.roll(torch.arange(b), -1)
        lam = torch.distributions.Beta(0.1, 0.1).sample((b, 1, 1))
        return [randn(nchw(shape))], lambda x: efdmix(x, perm, lam)
    if op == "sort":
        return [randn(shape, 1, 2)], lambda x: torch.sort(x, dim=-1, stable=True).values
    if op == "argsort":
        return [randn(shape, 1, 2)], lambda x: torch.sort(x, dim=-1, stable=True).indices
    if op == "perturbMeanStd":
        c = shape[3]
        def perturb(x, m, s):
            mean = x.mean((0, 2, 3), keepdim=True)
            return (x - mean) * s.view(1, c, 1, 1) + mean * m.view(1, c, 1, 1)
        return [randn(nchw(shape), 1, 2), torch.rand(c) * 0.2 + 0.9, torch.rand(c) * 0.4 + 0.8], perturb
    if op == "instanceNorm":
        return [randn(nchw(shape), 1, 2)], lambda x: F.instance_norm(x, eps=EPSILON)
    if op == "groupNorm":
        return [randn(nchw(shape), 1, 2)], lambda x: F.group_norm(x, 32, eps=EPSILON)
    if op == "layerNorm":
        return [randn(shape, 1, 2)], lambda x: F.layer_norm(x, (shape[-1],), eps=EPSILON)
    if op == "batchNorm":
        return [randn(nchw(shape), 1, 2)], lambda x: F.batch_norm(x, None, None, training=True, eps=EPSILON)
    if op == "cosineSimilarityMatrix":
        return [randn(nchw(shape), 1, 2)], lambda x: unit(x) @ unit(x).T
    if op == "activationSimilarity":
        n = shape[0]
        return [randn(nchw(shape), 1, 2)], lambda x: ((unit(x) @ unit(x).T).sum() - n) / (n * (n - 1))
    if op == "stableRank":
        return [randn(nchw(shape), 1, 2)], lambda x: (unit(x) ** 2).sum() / torch.linalg.matrix_norm(unit(x), 2) ** 2
    if op == "channelVariance":
        c = shape[3]
        return [randn(nchw(shape), 1, 2)], lambda x: x.transpose(0, 1).reshape(c, -1).var(dim=1).mean()
    if op == "informationBottleneck":
        sample = nchw(shape)[1:]
        mean, std, noise = randn(sample, 0, 0.1), torch.rand(*sample) + 0.5, randn(nchw(shape))
        return [randn(nchw(shape)), torch.rand(*sample) * 4 + 2], lambda r, a: information_bottleneck(r, a, mean, std, noise)
    if op == "infoNCE":
        n = shape[0]
        return [randn(shape), randn(shape)], lambda a, p: F.cross_entropy(unit(a) @ unit(p).T / 0.07, torch.arange(n))
    if op == "ntXent":
        return [randn(shape), randn(shape)], nt_xent
    if op == "supCon":
        n = shape[0]
        labels = torch.arange(n) % (n // 2)
        return [randn(shape)], lambda z: sup_con(z, labels)
    if op in ("styleContrastiveLoss", "contentContrastiveLoss"):
        style, content = ie_contra_ast_ids(shape[0] // 2)
        primary, secondary = (style, content) if op == "styleContrastiveLoss" else (content, style)
        return [randn(shape)], lambda emb: id_contrastive(emb, primary, secondary)
    if op == "contrastiveDistillation":
        teacher = randn(shape)
        return [randn(shape)], lambda student: nt_xent(student, teacher.detach())
    if op == "randomMask":
        n, h, w, _ = shape
        return [torch.rand(*nchw(shape))], lambda x: x * (torch.rand(n, 1, h, w) >= 0.5)
    if op == "gaussianNoise":
        return [torch.rand(*nchw(shape))], lambda x: x + torch.randn_like(x) * 0.1
    if op == "gaussianBlur":
        return [torch.rand(*nchw(shape))], lambda x: blur(x, 37, 9.0)
    return None


# ------------------------------------------------------------------ timing (bench/config.ts policy)


def quantile(sorted_samples, q):
    position = (len(sorted_samples) - 1) * q
    below = math.floor(position)
    upper = sorted_samples[min(below + 1, len(sorted_samples) - 1)]
    return sorted_samples[below] + (upper - sorted_samples[below]) * (position - below)


def summarize(samples):
    ordered = sorted(samples)
    median = quantile(ordered, 0.5)
    return {
        "medianMs": median,
        "p25Ms": quantile(ordered, 0.25),
        "p75Ms": quantile(ordered, 0.75),
        "madMs": statistics.median(abs(s - median) for s in ordered),
        "samples": len(ordered),
    }


def time_once(fn):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def measure(fn, sampling):
    first = time_once(fn)
    # As bench/harness.ts: a slow first call within the slow budget is repeated and the
    # repeat decides (a first call pays one-off costs).
    if sampling["slowMs"] < first <= sampling["slowBudgetMs"]:
        first = time_once(fn)
    if first > sampling["slowMs"]:
        fits = int(sampling["slowBudgetMs"] // first)
        count = max(sampling["slowMinSamples"], min(sampling["minSamples"], fits))
        return summarize([time_once(fn) for _ in range(count)])
    for _ in range(sampling["warmupIterations"]):
        fn()
    samples = []
    while len(samples) < sampling["minSamples"] or sum(samples) < sampling["budgetMs"]:
        samples.append(time_once(fn))
    return summarize(samples)


def combined(outputs):
    return sum(outputs) if isinstance(outputs, tuple) else outputs


def run_case(op, shape, sampling):
    built = case(op, shape)
    if built is None:
        return None
    inputs, fn = built
    def forward():
        with torch.no_grad():
            fn(*inputs)
    result = {"forward": measure(forward, sampling), "backward": None}
    leaves = [leaf(t) for t in inputs]
    output = combined(fn(*leaves))
    if output.is_floating_point():
        dy = torch.randn_like(output)
        def backward():
            torch.autograd.grad(combined(fn(*leaves)), leaves, dy)
        result["backward"] = measure(backward, sampling)
    return result


def main():
    request = json.load(sys.stdin)
    blas = blas_in_use()
    print(f"pytorch BLAS: {blas['kind']} ({', '.join(blas['libraries']) or blas['configured']}), 256x512.512x256 in {blas['probeMs']:.2f} ms", file=sys.stderr, flush=True)
    torch.manual_seed(request["seed"])
    results, errors = [], []
    for threads in request["threads"]:
        torch.set_num_threads(threads)
        for item in request["cases"]:
            try:
                measured = run_case(item["op"], item["shape"], request["sampling"])
            except Exception as error:  # report and go on, as the tfjs suite does
                errors.append(f"{item['op']} {item['size']} ({threads} threads): {error}")
                continue
            if measured is not None:
                results.append({"op": item["op"], "size": item["size"], "threads": threads, **measured})
                print(f"pytorch-{threads}t {item['size']:<6} {item['op']:<24} {measured['forward']['medianMs']:.2f} ms", file=sys.stderr, flush=True)
    json.dump({"torch": torch.__version__, "blas": blas, "results": results, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
