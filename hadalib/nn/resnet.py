"""ResNet-18 and ResNet-50 with transform layers at the placements of the WHT study.

The networks are written here (no torchvision needed) with torchvision's module names
(``conv1, bn1, layer1..layer4, fc``, ``downsample.0/1``), so a torchvision ImageNet
state_dict loads unchanged. Transform layers have no parameters and no buffers, so they
add nothing to the state_dict; a learned Walsh filter (kind ``"walsh"``) adds its weights,
as ``transforms.<placement>.weight``. With ``pointwise="walsh"`` the 1x1 convolutions of the
bottleneck blocks are Walsh filters over the channels (``layerI.J.conv1.filter.weight``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from hadalib._optional import requires

with requires("torch"):
    import torch
    from torch import nn

from hadalib._checks import as_int, as_real, check_choice
from hadalib.nn.layers import Transform, WalshFilter
from hadalib.nn.variants import (
    BLOCKS,
    FILTER_KINDS,
    KINDS,
    PLACEMENTS,
    POINTWISE,
    STEMS,
    Weights,
)

__all__ = ["ResNet", "resnet18", "resnet50"]


def _conv(cin: int, cout: int, k: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)


def _shortcut(cin: int, cout: int, stride: int) -> nn.Module | None:
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(_conv(cin, cout, 1, stride), nn.BatchNorm2d(cout))


class _BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, width: int, stride: int) -> None:
        super().__init__()
        self.conv1 = _conv(cin, width, 3, stride)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv(width, width, 3)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(cin, width, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class _WalshPointwise(nn.Module):
    """A Walsh filter over the channels in the place of a 1x1 convolution from ``cin`` to
    ``cout`` channels: the input's channels are zero-padded to ``max(cin, cout)``, filtered
    there by a :class:`WalshFilter` (one weight per Walsh coefficient of that width, padded
    to a power of two) and the first ``cout`` channels kept, as the WHT layers of Pan,
    Badawi and Cetin (CVPR Workshops 2021) change the channel count. It has ``max(cin,
    cout)`` weights where the convolution has ``cin * cout``; at initialization (weights
    1) it keeps the first ``min(cin, cout)`` channels and zeros the others."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.in_channels, self.out_channels = cin, cout
        self.filter = WalshFilter(max(cin, cout))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad = self.filter.size[0] - x.shape[1]
        if pad > 0:
            x = torch.nn.functional.pad(x, (0, 0, 0, 0, 0, pad))
        return self.filter(x)[:, : self.out_channels]


def _pointwise(cin: int, cout: int, pointwise: str) -> nn.Module:
    """The 1x1 layer of a bottleneck block: a convolution or a Walsh filter."""
    return _conv(cin, cout, 1) if pointwise == "conv" else _WalshPointwise(cin, cout)


class _Bottleneck(nn.Module):
    # ResNet v1.5 (as torchvision): the stride sits in the 3x3 convolution.
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int, pointwise: str = "conv") -> None:
        super().__init__()
        cout = width * self.expansion
        self.conv1 = _pointwise(cin, width, pointwise)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv(width, width, 3, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = _pointwise(width, cout, pointwise)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(cin, cout, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


_BLOCKS = {"basic": _BasicBlock, "bottleneck": _Bottleneck}


def _positive_int(value: Any, name: str) -> int:
    """value as a Python int >= 1 (NumPy integers count; bool and floats do not)."""
    value = as_int(value, name)
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


class ResNet(nn.Module):
    """A ResNet with transform layers at named placements.

    Build it with :func:`resnet18` or :func:`resnet50`. The placements are
    ``"input"`` (before ``conv1``), ``"conv2_block1"`` (after ``layer1[0]``) and
    ``"conv4_block6"`` (after the last block of ``layer3``, which is ``layer3[5]`` in
    ResNet-50). The head is global average pooling, dropout and the linear layer ``fc``.

    Parameters
    ----------
    block : {"basic", "bottleneck"}
        Residual block type (ResNet-18 uses "basic", ResNet-50 "bottleneck").
    layers : tuple of int
        Number of blocks in ``layer1`` .. ``layer4`` (four numbers).
    num_classes : int
        Outputs of ``fc``.
    transforms : dict, optional
        Maps a placement to a transform kind (``"wht"``, ``"dct"``, ``"fft"``, or
        ``"walsh"`` for a learned :class:`hadalib.nn.WalshFilter`) or to a ready
        ``torch.nn.Module``, e.g. ``VARIANTS["wht-early-late"]``.
    axes : {"channel", "spatial"}
        Axes of the WHT, DCT and Walsh-filter layers given by kind (FFT layers act on
        (H, W)).
    width : int
        Channels of the stem and of ``layer1``'s 3x3 convolutions (64 in the
        standard networks); later stages double it.
    stem : {"imagenet", "cifar"}
        "imagenet": 7x7 convolution with stride 2 and max pooling; "cifar": a 3x3
        convolution with stride 1 and no pooling, for small images.
    in_channels : int
        Channels of the input image.
    dropout : float
        Dropout probability before ``fc``.
    image_size : int, optional
        Height and width of the input images; needed (only) by Walsh filters over
        (H, W), whose weights have the size of the map at their placement.
    pointwise : {"conv", "walsh"}
        The 1x1 convolutions of bottleneck blocks (reduce and expand): ordinary
        convolutions, or Walsh filters over the channels, each with ``max(cin, cout)``
        weights in place of ``cin * cout`` (the input zero-padded to the wider width, the
        first ``cout`` channels kept). The shortcut's projections stay convolutions.

    Raises
    ------
    ValueError
        For an unknown placement or kind, a bad size, a spatial Walsh filter without
        ``image_size``, or ``pointwise="walsh"`` with basic blocks (which have no 1x1
        convolutions to replace).

    Examples
    --------
    >>> model = resnet18(num_classes=10, width=8, stem="cifar")
    >>> isinstance(model, ResNet)
    True

    Introduced in: book/11_transform_layers.ipynb
    """

    def __init__(
        self,
        block: str,
        layers: tuple[int, int, int, int],
        num_classes: int = 1000,
        transforms: Mapping[str, str | nn.Module] | None = None,
        axes: str = "channel",
        width: int = 64,
        stem: str = "imagenet",
        in_channels: int = 3,
        dropout: float = 0.0,
        image_size: int | None = None,
        pointwise: str = "conv",
    ) -> None:
        super().__init__()
        block_cls = _BLOCKS[check_choice("block", block, tuple(_BLOCKS))]
        check_choice("stem", stem, STEMS)
        check_choice("pointwise", pointwise, POINTWISE)
        if pointwise != "conv" and block_cls is not _Bottleneck:
            raise ValueError(
                f"pointwise={pointwise!r} replaces the 1x1 convolutions of bottleneck blocks, "
                f"and the {block!r} blocks of this network have none; use resnet50 "
                "(block='bottleneck') or pointwise='conv'"
            )
        extra = {"pointwise": pointwise} if block_cls is _Bottleneck else {}
        num_classes, width, in_channels = (
            _positive_int(value, name)
            for name, value in (
                ("num_classes", num_classes),
                ("width", width),
                ("in_channels", in_channels),
            )
        )
        if not 0.0 <= as_real(dropout, "dropout") < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, width, 7, stride=2, padding=3, bias=False)
            self.maxpool: nn.Module = nn.MaxPool2d(3, stride=2, padding=1)
        else:
            self.conv1 = _conv(in_channels, width, 3)
            self.maxpool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        cin = width
        for i, n_blocks in enumerate(layers):
            stage_width = width * 2**i
            stage = []
            for j in range(n_blocks):
                stride = 2 if i > 0 and j == 0 else 1
                stage.append(block_cls(cin, stage_width, stride, **extra))
                cin = stage_width * block_cls.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(cin, num_classes)
        self._after_block = {(1, 0): "conv2_block1", (3, layers[2] - 1): "conv4_block6"}
        if image_size is not None:
            image_size = _positive_int(image_size, "image_size")
        self.transforms = nn.ModuleDict(
            _transform_modules(transforms, axes, self.placement_shapes, image_size)
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _maybe_transform(self, placement: str, x: torch.Tensor) -> torch.Tensor:
        if placement in self.transforms:
            return self.transforms[placement](x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape (N, num_classes) for images ``x`` of shape (N, C, H, W)."""
        x = self._maybe_transform("input", x)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(1, 5):
            for j, block in enumerate(getattr(self, f"layer{i}")):
                x = block(x)
                placement = self._after_block.get((i, j))
                if placement is not None:
                    x = self._maybe_transform(placement, x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))

    def placement_shapes(self, image_size: int) -> dict[str, tuple[int, int, int]]:
        """Shape ``(C, H, W)`` of the feature map at each placement for square images.

        Parameters
        ----------
        image_size : int
            Height and width of the input image.

        Returns
        -------
        dict
            Maps each name in ``PLACEMENTS`` to a tuple ``(C, H, W)``.

        Examples
        --------
        >>> resnet50().placement_shapes(224)["conv4_block6"]
        (1024, 14, 14)

        Introduced in: book/11_transform_layers.ipynb
        """
        shapes: dict[str, tuple[int, int, int]] = {}
        x = torch.zeros(
            1, self.conv1.in_channels, image_size, image_size, device=self.conv1.weight.device
        )
        shapes["input"] = tuple(x.shape[1:])
        was_training = self.training
        self.eval()
        with torch.no_grad():
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            for i in range(1, 4):
                for j, block in enumerate(getattr(self, f"layer{i}")):
                    x = block(x)
                    placement = self._after_block.get((i, j))
                    if placement is not None:
                        shapes[placement] = tuple(x.shape[1:])
        self.train(was_training)
        return shapes


def _transform_modules(
    transforms: Mapping[str, str | nn.Module] | None,
    axes: str,
    shapes: Callable[[int], dict[str, tuple[int, int, int]]],
    image_size: int | None,
) -> dict[str, nn.Module]:
    """The layer of each placement; ``shapes(image_size)`` gives the maps' shapes
    (C, H, W), which the Walsh filters need (asked once, and only if there is one)."""
    modules: dict[str, nn.Module] = {}
    known: dict[str, tuple[int, int, int]] = {}
    for placement, spec in (transforms or {}).items():
        if placement not in PLACEMENTS:
            raise ValueError(f"unknown placement {placement!r}; accepted: {', '.join(PLACEMENTS)}")
        if isinstance(spec, nn.Module):
            modules[placement] = spec
        elif spec in KINDS:
            modules[placement] = Transform(spec, axes=None if spec == "fft" else axes)
        elif spec in FILTER_KINDS:
            if axes == "spatial" and image_size is None:
                raise ValueError(
                    f"a 'walsh' layer at {placement!r} with axes='spatial' needs image_size "
                    "(the height and width of the input images), got None"
                )
            known = known or shapes(image_size or 32)  # the channels do not depend on it
            c, h, w = known[placement]
            modules[placement] = WalshFilter(c if axes == "channel" else (h, w), axes=axes)
        else:
            raise ValueError(
                f"transform at {placement!r} must be 'wht', 'dct', 'fft', 'walsh' or a "
                f"torch.nn.Module, got {spec!r}"
            )
    return modules


_TORCHVISION_WEIGHTS = {"resnet18": "ResNet18_Weights", "resnet50": "ResNet50_Weights"}


def _torchvision_state_dict(arch: str) -> dict[str, torch.Tensor]:
    try:
        import torchvision.models as tvm
    except Exception as exc:  # ImportError, or a torchvision built for another torch
        raise RuntimeError(
            f"weights='torchvision' needs torchvision, which could not be imported "
            f"({type(exc).__name__}: {exc}); install the torchvision release that matches "
            f"torch {torch.__version__}, or pass the path of a saved state_dict"
        ) from exc
    weights = getattr(tvm, _TORCHVISION_WEIGHTS[arch]).IMAGENET1K_V1
    return weights.get_state_dict(progress=True)


def _load_weights(model: ResNet, weights: Weights | Path | Mapping[str, Any], arch: str) -> None:
    """Load ImageNet weights (checked by :meth:`Weights.verify`) into ``model``; ``fc`` is
    kept fresh when its shape differs."""
    if weights is Weights.TORCHVISION:
        state, source = _torchvision_state_dict(arch), "torchvision"
    elif isinstance(weights, Mapping):
        state, source = dict(weights), "the given state_dict"
    else:
        source = str(weights)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        if not isinstance(state, Mapping):
            raise ValueError(f"{source} holds a {type(state).__name__}, not a state_dict")
        state = dict(state)
    own = model.state_dict()
    for key in ("fc.weight", "fc.bias"):
        if key in state and key in own and state[key].shape != own[key].shape:
            state[key] = own[key]
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(
            f"the weights from {source} do not fit this {arch}: {exc}".split("\n\t")[0]
        ) from exc


def _build(
    arch: str,
    layers: tuple[int, int, int, int],
    num_classes: int,
    transforms: Mapping[str, str | nn.Module] | None,
    weights: Any,
    **options: Any,
) -> ResNet:
    weights = Weights.verify(weights)  # a bad value fails here, before the network is built
    model = ResNet(BLOCKS[arch], layers, num_classes, transforms, **options)
    if weights is not None:
        _load_weights(model, weights, arch)
    return model


def resnet18(
    num_classes: int = 1000,
    transforms: Mapping[str, str | nn.Module] | None = None,
    *,
    axes: str = "channel",
    width: int = 64,
    stem: str = "imagenet",
    in_channels: int = 3,
    dropout: float = 0.0,
    image_size: int | None = None,
    weights: Weights | str | PathLike | Mapping[str, Any] | None = None,
    pointwise: str = "conv",
) -> ResNet:
    """ResNet-18 (basic blocks, 2-2-2-2) with optional transform layers.

    With ``width=16, stem="cifar"`` it is the small network of chapter 11's CPU study.
    ``"conv4_block6"`` maps to the last block of ``layer3`` (``layer3[1]`` here).

    Parameters
    ----------
    num_classes : int
        Outputs of the head ``fc``.
    transforms : dict, optional
        Placement -> kind, e.g. ``VARIANTS["wht-early"]`` (see :class:`ResNet`).
    axes : {"channel", "spatial"}
        Axes of WHT and DCT layers.
    width : int
        Base width (64 in the standard network).
    stem : {"imagenet", "cifar"}
        Stem of the network (see :class:`ResNet`).
    in_channels : int
        Input channels.
    dropout : float
        Dropout before ``fc``.
    image_size : int, optional
        Input height and width, for Walsh filters over (H, W) (see :class:`ResNet`).
    weights : Weights, str, os.PathLike, dict or None
        ImageNet weights to load: ``Weights.TORCHVISION`` (or ``"torchvision"``), the path
        of a saved state_dict, or a state_dict; None (or ``"none"``) loads none. They are
        checked by ``Weights.verify`` before the network is built. ``"torchvision"`` needs
        the torchvision package and downloads its ``IMAGENET1K_V1`` weights; ``fc`` is
        freshly initialised when ``num_classes`` differs from the checkpoint's.
    pointwise : {"conv"}
        Only "conv": basic blocks have no 1x1 convolutions (see :func:`resnet50`); given
        for a call that serves both networks.

    Returns
    -------
    ResNet
        The network, in training mode.

    Raises
    ------
    ValueError
        For an unknown placement or kind, weights that are neither a member of ``Weights``
        nor a file, or weights that do not fit.
    TypeError
        For weights of another type.

    Examples
    --------
    >>> import torch
    >>> from hadalib.nn import VARIANTS
    >>> model = resnet18(10, VARIANTS["wht-early"], width=16, stem="cifar", in_channels=1)
    >>> model(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])

    Introduced in: book/11_transform_layers.ipynb
    """
    return _build(
        "resnet18",
        (2, 2, 2, 2),
        num_classes,
        transforms,
        weights,
        axes=axes,
        width=width,
        stem=stem,
        in_channels=in_channels,
        dropout=dropout,
        image_size=image_size,
        pointwise=pointwise,
    )


def resnet50(
    num_classes: int = 1000,
    transforms: Mapping[str, str | nn.Module] | None = None,
    *,
    axes: str = "channel",
    width: int = 64,
    stem: str = "imagenet",
    in_channels: int = 3,
    dropout: float = 0.0,
    image_size: int | None = None,
    weights: Weights | str | PathLike | Mapping[str, Any] | None = None,
    pointwise: str = "conv",
) -> ResNet:
    """ResNet-50 v1.5 (bottleneck blocks, 3-4-6-3), torchvision's layout and names.

    ``"conv2_block1"`` is the output of ``layer1[0]`` (256 channels, 56x56 at 224x224
    input) and ``"conv4_block6"`` that of ``layer3[5]`` (1024 channels, 14x14).

    Parameters
    ----------
    num_classes : int
        Outputs of the head ``fc`` (100 for CIFAR-100).
    transforms : dict, optional
        Placement -> kind, e.g. ``VARIANTS["wht-early-late"]`` (see :class:`ResNet`).
    axes : {"channel", "spatial"}
        Axes of WHT and DCT layers.
    width : int
        Base width (64 in the standard network).
    stem : {"imagenet", "cifar"}
        Stem of the network (see :class:`ResNet`).
    in_channels : int
        Input channels.
    dropout : float
        Dropout before ``fc`` (the study uses 0.5).
    image_size : int, optional
        Input height and width, for Walsh filters over (H, W) (see :class:`ResNet`).
    weights : Weights, str, os.PathLike, dict or None
        ImageNet weights, as in :func:`resnet18`.
    pointwise : {"conv", "walsh"}
        The 1x1 convolutions of the bottleneck blocks (see :class:`ResNet`); "walsh"
        replaces reduce and expand by Walsh filters over the channels.

    Returns
    -------
    ResNet
        The network, in training mode.

    Raises
    ------
    ValueError
        For an unknown placement or kind, weights that are neither a member of ``Weights``
        nor a file, or weights that do not fit.
    TypeError
        For weights of another type.

    Examples
    --------
    >>> from hadalib.nn import VARIANTS
    >>> model = resnet50(100, VARIANTS["wht-early-late"])
    >>> sorted(model.transforms)
    ['conv2_block1', 'conv4_block6']
    >>> sum(p.numel() for p in model.parameters())
    23712932
    >>> walsh = resnet50(100, pointwise="walsh")
    >>> walsh.layer1[0].conv3
    _WalshPointwise(
      64, 256
      (filter): WalshFilter(size=256, axes='channel')
    )

    Introduced in: book/12_resnet50_wht.ipynb
    """
    return _build(
        "resnet50",
        (3, 4, 6, 3),
        num_classes,
        transforms,
        weights,
        axes=axes,
        width=width,
        stem=stem,
        in_channels=in_channels,
        dropout=dropout,
        image_size=image_size,
        pointwise=pointwise,
    )
