"""hadalib.products against NumPy, torch and the laws of chapter 1."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from hadalib.products import PRODUCTS, hadamard_product, kronecker_product, multiply

small_floats = st.floats(-1e3, 1e3, allow_nan=False, width=64)
matrices = arrays(
    np.float64, array_shapes(min_dims=2, max_dims=2, max_side=4), elements=small_floats
)
vectors = arrays(
    np.float64, array_shapes(min_dims=1, max_dims=1, max_side=5), elements=small_floats
)


@given(st.data())
@settings(max_examples=50, deadline=None)
def test_hadamard_is_elementwise_and_commutative(data):
    a = data.draw(matrices)
    b = data.draw(arrays(np.float64, a.shape, elements=small_floats))
    np.testing.assert_array_equal(hadamard_product(a, b), a * b)
    np.testing.assert_array_equal(hadamard_product(a, b), hadamard_product(b, a))
    np.testing.assert_array_equal(hadamard_product(a, np.ones_like(a)), a)


@given(matrices, matrices)
@settings(max_examples=50, deadline=None)
def test_kronecker_equals_numpy(a, b):
    np.testing.assert_array_equal(kronecker_product(a, b), np.kron(a, b))


@given(vectors, vectors)
@settings(max_examples=30, deadline=None)
def test_kronecker_of_vectors_is_a_vector(a, b):
    np.testing.assert_array_equal(kronecker_product(a, b), np.kron(a, b))


def test_kronecker_mixed_product_property():
    rng = np.random.default_rng(1)
    A, C = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    B, D = rng.normal(size=(4, 2)), rng.normal(size=(2, 5))
    np.testing.assert_allclose(
        kronecker_product(A, B) @ kronecker_product(C, D), kronecker_product(A @ C, B @ D)
    )


def test_hadamard_product_of_psd_matrices_is_psd():
    rng = np.random.default_rng(2)
    for _ in range(50):
        G, K = rng.normal(size=(5, 2)), rng.normal(size=(5, 3))
        eig = np.linalg.eigvalsh(hadamard_product(G @ G.T, K @ K.T))
        assert eig.min() > -1e-10


def test_tensors_stay_tensors_and_differentiate():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, -4.0])
    y = hadamard_product(a, b)
    assert isinstance(y, torch.Tensor)
    y.sum().backward()
    torch.testing.assert_close(a.grad, b)


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"got a.shape=\(3, 1\) and b.shape=\(1, 3\)"):
        hadamard_product(np.ones((3, 1)), np.ones((1, 3)))


@pytest.mark.parametrize(
    ("shape_a", "shape_b"), [((2, 3), (3, 2)), ((3,), (2,)), ((), (4,)), ((1, 2), (3,))]
)
def test_kronecker_of_tensors_is_torch_kron_and_differentiates(shape_a, shape_b):
    a = torch.randn(shape_a, dtype=torch.float64, requires_grad=True)
    b = torch.randn(shape_b, dtype=torch.float64)
    y = kronecker_product(a, b)
    torch.testing.assert_close(
        y,
        torch.kron(a, b)
        if a.ndim == b.ndim
        else torch.from_numpy(np.kron(a.detach().numpy(), b.numpy())),
    )
    assert torch.autograd.gradcheck(lambda t: kronecker_product(t, b), (a,))


def test_multiply_keeps_tensors_tensors():
    a, b = torch.randn(2, 2), torch.randn(2, 2)
    for kind, expected in [("hadamard", a * b), ("matrix", a @ b), ("kronecker", torch.kron(a, b))]:
        torch.testing.assert_close(multiply(a, b, kind), expected)


def test_mixing_tensor_and_array_is_refused():
    with pytest.raises(TypeError, match="both be torch tensors or both array-like; got Tensor"):
        hadamard_product(torch.ones(2), np.ones(2))


def test_kronecker_refuses_three_dimensions():
    with pytest.raises(ValueError, match=r"b must be a vector or a matrix .* got ndim=3"):
        kronecker_product(np.ones((2, 2)), np.ones((2, 2, 2)))


@pytest.mark.parametrize("kind", PRODUCTS)
def test_multiply_dispatches(kind):
    a, b = np.arange(4).reshape(2, 2), np.array([[1, -1], [2, 0]])
    expected = {"hadamard": a * b, "matrix": a @ b, "kronecker": np.kron(a, b)}[kind]
    np.testing.assert_array_equal(multiply(a, b, kind), expected)


def test_multiply_errors():
    with pytest.raises(
        ValueError, match=r"^kind='dot' is not one of 'hadamard', 'matrix', 'kronecker'$"
    ):
        multiply(np.ones((2, 2)), np.ones((2, 2)), "dot")
    with pytest.raises(ValueError, match=r"a.shape\[1\] == b.shape\[0\]; got a.shape=\(2, 3\)"):
        multiply(np.ones((2, 3)), np.ones((2, 3)), "matrix")
