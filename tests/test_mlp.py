"""hadalib.mlp: the hand-written backward pass against finite differences and torch autograd."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hadalib.mlp import TinyMLP, numerical_gradients, sigmoid

FAST = settings(max_examples=25, deadline=None)


def batch(seed, m, sizes=(3, 4, 2)):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, sizes[0])), rng.uniform(size=(m, sizes[2]))


def torch_gradients(model, X, Y):
    """The same network and cost in torch; gradients by autograd."""
    params = {k: torch.tensor(getattr(model, k), requires_grad=True) for k in "WbVc"}
    X, Y = torch.tensor(X), torch.tensor(Y)
    H = torch.sigmoid(X @ params["W"] + params["b"])
    Y_hat = torch.sigmoid(H @ params["V"] + params["c"])
    loss = 0.5 * ((Y_hat - Y) ** 2).sum(dim=1).mean()
    loss.backward()
    return loss.item(), {k: p.grad.numpy() for k, p in params.items()}


sizes_st = st.tuples(st.integers(1, 5), st.integers(1, 6), st.integers(1, 4))


@FAST
@given(sizes_st, st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_gradients_equal_torch_autograd(sizes, m, seed):
    model = TinyMLP(sizes, seed=seed)
    model.b, model.c = np.full(sizes[1], 0.3), np.full(sizes[2], -0.2)
    X, Y = batch(seed, m, sizes)
    loss, expected = torch_gradients(model, X, Y)
    assert model.loss(X, Y) == pytest.approx(loss, rel=1e-12)
    ours = model.gradients(X, Y)
    assert set(ours) == {"W", "b", "V", "c"}
    for name, grad in ours.items():
        assert grad.shape == getattr(model, name).shape
        np.testing.assert_allclose(grad, expected[name], rtol=1e-10, atol=1e-14)


@FAST
@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_gradients_equal_finite_differences(m, seed):
    model = TinyMLP(seed=seed)
    X, Y = batch(seed, m)
    numeric = numerical_gradients(model, X, Y)
    for name, grad in model.gradients(X, Y).items():
        np.testing.assert_allclose(grad, numeric[name], atol=1e-9)


def test_numerical_gradients_leave_model_unchanged():
    model = TinyMLP(seed=4)
    before = {k: getattr(model, k).copy() for k in "WbVc"}
    numerical_gradients(model, *batch(0, 3))
    for k, v in before.items():
        np.testing.assert_array_equal(getattr(model, k), v)


def test_forward_matches_formula_and_shapes():
    model = TinyMLP(seed=2)
    X, _ = batch(1, 5)
    H, Y_hat = model.forward(X)
    assert H.shape == (5, 4) and Y_hat.shape == (5, 2)
    np.testing.assert_allclose(H, 1 / (1 + np.exp(-(X @ model.W))))
    np.testing.assert_allclose(Y_hat, 1 / (1 + np.exp(-(H @ model.V))))


def test_loss_closed_form():
    model = TinyMLP(seed=0)
    X = np.zeros((4, 3))
    _, Y_hat = model.forward(X)
    # targets off by +-0.1 in each of 2 outputs: 0.5 * 2 * 0.01 per example
    Y = Y_hat + np.array([0.1, -0.1])
    assert model.loss(X, Y) == pytest.approx(0.01)


def test_initialisation_is_seeded():
    a, b, c = TinyMLP(seed=7), TinyMLP(seed=7), TinyMLP(seed=8)
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)
    assert a.W.shape == (3, 4) and a.V.shape == (4, 2)
    np.testing.assert_array_equal(a.b, 0)
    np.testing.assert_array_equal(a.c, 0)
    assert repr(a) == "TinyMLP(sizes=(3, 4, 2))"


def test_step_is_gradient_descent():
    model, reference = TinyMLP(seed=3), TinyMLP(seed=3)
    X, Y = batch(5, 8)
    grads = reference.gradients(X, Y)
    before = model.step(X, Y, lr=0.5)
    assert before == reference.loss(X, Y)
    for k in "WbVc":
        np.testing.assert_allclose(getattr(model, k), getattr(reference, k) - 0.5 * grads[k])


def test_train_history_and_small_lr_decreases_loss():
    X, Y = batch(6, 16)
    model = TinyMLP(seed=0)
    history = model.train(X, Y, lr=0.5, epochs=40)
    assert history.shape == (41,)
    assert history[0] == TinyMLP(seed=0).loss(X, Y)
    assert history[-1] == model.loss(X, Y)
    assert np.all(np.diff(history) < 0)
    assert TinyMLP(seed=0).train(X, Y, lr=0.5, epochs=0).shape == (1,)


def test_train_learns_xor_like_task():
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    Y = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=float)
    model = TinyMLP(seed=1)
    history = model.train(X, Y, lr=4.0, epochs=3000)
    assert history[-1] < 0.02
    _, Y_hat = model.forward(X)
    np.testing.assert_array_equal(Y_hat.argmax(axis=1), Y.argmax(axis=1))


def test_sigmoid_is_stable_and_correct():
    z = np.array([-800.0, -3.0, 0.0, 2.5, 800.0])
    with np.errstate(over="raise"):
        s = sigmoid(z)
    np.testing.assert_allclose(s, torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-15)


# ---- errors ---------------------------------------------------------------------------------


def test_wrong_X_shape():
    model = TinyMLP()
    msg = (
        "X must have shape (batch, 3), one example per row; got shape (3,) "
        "(for a single example use X.reshape(1, -1))"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        model.forward(np.ones(3))
    with pytest.raises(ValueError, match=re.escape("got shape (2, 4)")):
        model.loss(np.ones((2, 4)), np.ones((2, 2)))


def test_wrong_Y_shape():
    model = TinyMLP()
    msg = "Y must have shape (batch, n_out) = (5, 2) to match X of shape (5, 3); got shape (5,)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        model.gradients(np.ones((5, 3)), np.ones(5))
    with pytest.raises(ValueError, match=re.escape("got shape (4, 2)")):
        model.train(np.ones((5, 3)), np.ones((4, 2)), lr=0.1, epochs=1)


@pytest.mark.parametrize("sizes", [(3, 4), (3, 0, 2), (3, -4, 2)])
def test_bad_sizes(sizes):
    msg = f"sizes must be three positive integers (n_in, n_hidden, n_out); got {sizes!r}"
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        TinyMLP(sizes)


@pytest.mark.parametrize(("sizes", "kind"), [((3, 4.0, 2), "float"), ((3, True, 2), "bool")])
def test_sizes_of_the_wrong_type(sizes, kind):
    msg = f"sizes[1] must be an integer, got {sizes[1]!r} ({kind})"
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        TinyMLP(sizes)


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_bad_lr(lr):
    with pytest.raises(
        ValueError, match=re.escape(f"lr must be a positive finite number; got {lr!r}")
    ):
        TinyMLP().train(np.ones((1, 3)), np.ones((1, 2)), lr=lr, epochs=3)


@pytest.mark.parametrize(
    ("lr", "kind"),
    [("0.1", "str"), (np.complex128(1), "complex128"), (1j, "complex"), (True, "bool")],
)
def test_lr_of_the_wrong_type_is_refused_before_any_step(lr, kind):
    model = TinyMLP(seed=0)
    before = {name: getattr(model, name).copy() for name in ("W", "b", "V", "c")}
    msg = f"lr must be a real number, got {lr!r} ({kind})"
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        model.step(np.ones((1, 3)), np.ones((1, 2)), lr=lr)
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        model.train(np.ones((1, 3)), np.ones((1, 2)), lr=lr, epochs=1)
    for name, value in before.items():  # still the same real weights
        np.testing.assert_array_equal(getattr(model, name), value)
        assert getattr(model, name).dtype == np.float64


def test_bad_epochs():
    msg = "epochs must be a non-negative integer; got -1"
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        TinyMLP().train(np.ones((1, 3)), np.ones((1, 2)), lr=0.1, epochs=-1)


@pytest.mark.parametrize(("epochs", "kind"), [(2.5, "float"), (2.0, "float"), (True, "bool")])
def test_epochs_of_the_wrong_type(epochs, kind):
    msg = f"epochs must be an integer, got {epochs!r} ({kind})"
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        TinyMLP().train(np.ones((1, 3)), np.ones((1, 2)), lr=0.1, epochs=epochs)


def test_bad_eps():
    with pytest.raises(ValueError, match=re.escape("eps must be a positive finite number; got 0")):
        numerical_gradients(TinyMLP(), np.ones((1, 3)), np.ones((1, 2)), eps=0)


# ---- the chapter's widget ---------------------------------------------------------------------


def test_draw_training_draws_the_loss_history_of_train():
    from hadalib.plotting import draw_training
    from hadalib.widgets import figure

    X, labels = batch(11, 20)
    Y = np.eye(2)[(labels[:, 0] > 0.5).astype(int)]
    fig = figure(draw_training, lr=2.0, epochs=30, X=X, Y=Y)
    loss_axes, region_axes = fig.axes
    np.testing.assert_array_equal(
        loss_axes.lines[0].get_ydata(), TinyMLP(seed=0).train(X, Y, lr=2.0, epochs=30)
    )
    assert loss_axes.get_title().startswith("lr = 2: loss")
    assert region_axes.get_title().startswith("decision regions, training accuracy")
    assert [t.get_text() for t in region_axes.get_legend().get_texts()] == ["class 0", "class 1"]
    named = figure(draw_training, lr=2.0, epochs=1, X=X, Y=Y, class_names=("cat", "dog"))
    assert [t.get_text() for t in named.axes[1].get_legend().get_texts()] == ["cat", "dog"]
