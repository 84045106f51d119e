"""The bottleneck study: ResNet-50's 1x1 convolutions (reduce and expand) against Walsh
filters over the channels in their place, everything else identical."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hadalib.experiments import report, study
from hadalib.experiments.config import RunConfig
from hadalib.matrices import hadamard_matrix
from hadalib.nn import resnet18, resnet50
from hadalib.nn.variants import ALL_VARIANTS, BOTTLENECK_VARIANTS

LAYERS = (3, 4, 6, 3)  # ResNet-50's bottleneck blocks per stage


def _pow2(n: int) -> int:
    return 1 << (n - 1).bit_length()


def _pointwise_counts(width: int) -> tuple[int, int]:
    """Weights of the bottleneck blocks' 1x1 convolutions, reduce (cin -> w) and expand
    (w -> 4w), as convolutions (cin * cout) and as Walsh filters (max(cin, cout) padded
    to a power of two), from the stage widths w = width * 2**i."""
    conv = walsh = 0
    cin = width  # the stem's output
    for i, blocks in enumerate(LAYERS):
        w = width * 2**i
        for _ in range(blocks):
            for a, b in ((cin, w), (w, 4 * w)):
                conv += a * b
                walsh += _pow2(max(a, b))
            cin = 4 * w
    return conv, walsh


def _pointwise(model: torch.nn.Module) -> int:
    """Parameters of the bottleneck blocks' conv1 and conv3 (not the stem's conv1)."""
    return sum(
        p.numel()
        for name, p in model.named_parameters()
        if name.startswith("layer") and name.split(".")[2] in ("conv1", "conv3")
    )


@pytest.mark.parametrize("width", [4, 16, 64])
def test_parameter_counts_follow_the_formula(width):
    kwargs = {"width": width, "stem": "cifar", "in_channels": 1}
    conv_net, walsh_net = resnet50(10, **kwargs), resnet50(10, pointwise="walsh", **kwargs)
    conv, walsh = _pointwise_counts(width)
    assert (_pointwise(conv_net), _pointwise(walsh_net)) == (conv, walsh)
    total = sum(p.numel() for p in conv_net.parameters())
    assert sum(p.numel() for p in walsh_net.parameters()) == total - conv + walsh
    if width == 16:  # the study's network
        assert (total, conv, walsh) == (1_483_898, 584_960, 7_056)


def test_the_walsh_pointwise_layer_is_the_cropped_dyadic_convolution():
    model = resnet50(10, width=4, stem="cifar", in_channels=1, pointwise="walsh").double()
    generator = torch.Generator().manual_seed(0)
    for layer, (cin, cout) in ((model.layer2[0].conv1, (16, 8)), (model.layer2[0].conv3, (8, 32))):
        n = max(cin, cout)
        assert tuple(layer.filter.weight.shape) == (n,)
        x = torch.randn(2, cin, 3, 3, dtype=torch.float64, generator=generator)
        keep = min(cin, cout)  # at initialization: the first channels, the others zero
        assert torch.allclose(layer(x)[:, :keep], x[:, :keep], atol=1e-12)
        if cout > keep:
            assert float(layer(x)[:, keep:].abs().max()) < 1e-12
        w = torch.randn(n, dtype=torch.float64, generator=generator)
        with torch.no_grad():
            layer.filter.weight.copy_(w)
        H = torch.from_numpy(hadamard_matrix(n).astype(np.float64))
        dense = (H @ torch.diag(w) @ H / n)[:cout, :cin]  # as the weight of a 1x1 conv
        expected = torch.einsum("oc,nchw->nohw", dense, x)
        assert layer(x).shape == (2, cout, 3, 3)
        assert torch.allclose(layer(x), expected, atol=1e-12)


def test_the_variant_and_the_study():
    variant = BOTTLENECK_VARIANTS["walsh-bottleneck"]
    assert ALL_VARIANTS["walsh-bottleneck"] is variant
    assert (variant.pointwise, dict(variant), variant.has_axes) == ("walsh", {}, False)
    runs = study.study_runs("bottleneck", "out")
    assert len(runs) == 10
    assert [(r[r.index("--variant") + 1], r[r.index("--seed") + 1]) for r in runs] == [
        (v, str(s)) for v in ("baseline", "walsh-bottleneck") for s in range(5)
    ]
    assert all(r[-2:] == ["--out", "out/bottleneck"] for r in runs)
    assert "--model resnet50 --width 16" in " ".join(runs[0])


def test_bad_input_names_the_argument(capsys):
    with pytest.raises(ValueError, match=r"pointwise='walsh' replaces the 1x1 convolutions"):
        resnet18(10, pointwise="walsh")
    with pytest.raises(ValueError, match=r"pointwise"):
        resnet50(10, pointwise="dense")
    with pytest.raises(ValueError, match=r"variant 'walsh-bottleneck' .* model 'resnet18'"):
        RunConfig("walsh-bottleneck", model="resnet18")
    with pytest.raises(SystemExit) as exit_info:
        RunConfig.from_argv(["--variant", "walsh-bottleneck", "--model", "resnet18"])
    assert exit_info.value.code == 2
    assert "error: --variant 'walsh-bottleneck' replaces" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"against='nothing' is not a variant"):
        report.paired_differences([], against="nothing")


def test_paired_differences_pair_by_seed():
    def run(variant, seed, acc):
        return {"variant": variant, "axes": "channel", "seed": seed,
                "summary": {"final_test_acc": acc}}  # fmt: skip

    base = [run("baseline", s, a) for s, a in enumerate([0.90, 0.95, 0.92])]
    walsh = [run("walsh-bottleneck", s, a) for s, a in enumerate([0.88, 0.94, 0.92, 0.5])]
    (row,) = report.paired_differences(base + walsh)
    assert (row["variant"], row["n"], row["seeds"]) == ("walsh-bottleneck", 3, [0, 1, 2])
    diffs = [-0.02, -0.01, 0.0]
    assert row["final_test_acc"]["values"] == pytest.approx(diffs)
    mean, low, high = report.interval(diffs)
    assert (row["final_test_acc"]["low"], row["final_test_acc"]["high"]) == pytest.approx(
        (low, high), abs=1e-15
    )
    assert report.paired_differences(walsh) == []  # no baseline among them


def test_a_tiny_study_runs_and_reports(tmp_path, monkeypatch):
    small = {**study.STUDIES["bottleneck"].settings, "width": 4, "epochs": 1, "batch_size": 8,
             "limit_train": 16, "limit_test": 8}  # fmt: skip
    monkeypatch.setitem(
        study.STUDIES,
        "bottleneck",
        study.STUDIES["bottleneck"]._replace(settings=small, seeds=(0, 1)),
    )
    assert study.main(["bottleneck", "--out", str(tmp_path)]) == 4
    folder = tmp_path / "bottleneck"
    records = [json.loads(f.read_text()) for f in sorted(folder.glob("*.json"))]
    assert [(r["variant"], r["seed"], r["model"]) for r in records] == [
        ("baseline", 0, "resnet50"),
        ("baseline", 1, "resnet50"),
        ("walsh-bottleneck", 0, "resnet50"),
        ("walsh-bottleneck", 1, "resnet50"),
    ]
    assert {r["provenance"]["device"] for r in records} == {"cpu"}
    assert {r["provenance"]["cpu_threads"] for r in records} == {1}
    conv, walsh = _pointwise_counts(4)
    params = {r["variant"]: r["summary"]["params"] for r in records}
    assert params["baseline"] - params["walsh-bottleneck"] == conv - walsh
    lines = report.main([str(folder)]).splitlines()
    assert lines[0].startswith("== digits, 8x8, resnet50 width 4")
    assert [line.split()[:3] for line in lines[1:]] == [
        ["variant", "axes", "seeds"],
        ["baseline", "-", "2"],
        ["walsh-bottleneck", "-", "2"],
        ["variant", "axes", "seeds"],  # the paired differences
        ["walsh-bottleneck", "-", "2"],
    ]
