"""Tests of hadalib.signal against SciPy, scikit-image and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft
import scipy.linalg
import scipy.spatial.distance
import skimage.data
import skimage.metrics
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hadalib.matrices import hadamard_matrix, s_matrix
from hadalib.signal import (
    H264_CORE,
    basis_images,
    block_motion,
    compress,
    distance_ratios,
    energy_compaction,
    fake_quantize,
    gaussian_projection,
    h264_inverse4x4,
    h264_transform4x4,
    hadamard_rotate,
    hadamard_unrotate,
    inverse_transform2d,
    keep_largest,
    multiplex_estimates,
    psnr,
    quantize_rotated,
    sad,
    satd,
    srht,
    ssim,
    to_blocks,
    transform2d,
    walsh_despread,
    walsh_spread,
    weighing_variances,
)

KINDS = ["wht", "dct", "fft"]
finite = st.floats(-100, 100, allow_nan=False, width=64)
images = st.tuples(st.sampled_from([1, 2, 4, 8]), st.sampled_from([1, 2, 4, 8, 16])).flatmap(
    lambda shape: arrays(np.float64, shape, elements=finite)
)


def sequency_hadamard(n: int) -> np.ndarray:
    """Rows of scipy's Hadamard matrix sorted by their number of sign changes."""
    H = scipy.linalg.hadamard(n)
    changes = (np.diff(H, axis=1) != 0).sum(axis=1)
    return H[np.argsort(changes)]


@pytest.fixture(scope="module")
def camera() -> np.ndarray:
    return skimage.data.camera()[128:256, 192:320].astype(float) / 255


# --- 2-D transforms ------------------------------------------------------------------


@pytest.mark.parametrize("order", ["sequency", "natural"])
def test_wht_equals_dense_matrices(order):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 16))
    rows = sequency_hadamard if order == "sequency" else scipy.linalg.hadamard
    A, B = rows(8) / np.sqrt(8), rows(16) / np.sqrt(16)
    np.testing.assert_allclose(transform2d(x, "wht", order=order), A @ x @ B.T, atol=1e-12)


def test_dct_and_fft_equal_scipy(camera):
    np.testing.assert_allclose(
        transform2d(camera, "dct"), scipy.fft.dctn(camera, type=2, norm="ortho"), atol=1e-12
    )
    np.testing.assert_allclose(
        transform2d(camera, "fft"), scipy.fft.fft2(camera, norm="ortho"), atol=1e-12
    )


@pytest.mark.parametrize("kind", KINDS)
def test_transform_acts_on_last_two_axes_of_a_batch(kind):
    x = np.random.default_rng(1).standard_normal((3, 4, 8))
    batch = transform2d(x, kind)
    for i in range(3):
        np.testing.assert_allclose(batch[i], transform2d(x[i], kind), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(image=images, kind=st.sampled_from(KINDS))
def test_parseval_and_inverse(image, kind):
    coeffs = transform2d(image, kind)
    energy = np.sum(image**2)
    assert np.isclose(np.sum(np.abs(coeffs) ** 2), energy, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(inverse_transform2d(coeffs, kind), image, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    pair=st.tuples(st.sampled_from([2, 4]), st.sampled_from([4, 8])).flatmap(
        lambda s: st.tuples(
            arrays(np.float64, s, elements=finite), arrays(np.float64, s, elements=finite)
        )
    ),
    a=finite,
    kind=st.sampled_from(KINDS),
)
def test_linearity(pair, a, kind):
    x, y = pair
    np.testing.assert_allclose(
        transform2d(a * x + y, kind),
        a * transform2d(x, kind) + transform2d(y, kind),
        atol=1e-7 * (1 + abs(a)) * (1 + np.abs(x).max() + np.abs(y).max()),
    )


def test_transform_errors():
    with pytest.raises(ValueError, match=r"^kind='haar' is not one of 'wht', 'dct', 'fft'$"):
        transform2d(np.ones((4, 4)), "haar")
    with pytest.raises(
        ValueError, match=r"^order='sequency' applies to kind='wht' only; got kind='dct' \(the "
    ):
        transform2d(np.ones((4, 4)), "dct", order="sequency")
    with pytest.raises(
        ValueError, match=r"^image must have at least 2 dimension\(s\); got shape \(4,\)$"
    ):
        transform2d(np.ones(4), "dct")
    with pytest.raises(
        ValueError,
        match=r"^length 6 along axis -1 is not a power of two; pad with hadalib.pad_pow2 to 8$",
    ):
        transform2d(np.ones((4, 6)), "wht")


@pytest.mark.parametrize("kind", KINDS)
def test_float32_stays_float32(kind):
    x = np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32)
    coeffs = transform2d(x, kind)
    assert coeffs.dtype == (np.complex64 if kind == "fft" else np.float32)
    assert inverse_transform2d(coeffs, kind).dtype == coeffs.dtype
    assert compress(x, kind, 5).dtype == np.float32
    np.testing.assert_allclose(coeffs, transform2d(x.astype(np.float64), kind), atol=1e-5)
    assert transform2d(np.ones((2, 2), dtype=int), kind).real.dtype == np.float64


@pytest.mark.parametrize("kind", KINDS)
def test_transform2d_takes_nested_lists_as_arrays(kind):
    image = [[1.0, 2.0], [3.0, 4.0]]
    coeffs = transform2d(image, kind, order="natural")
    assert type(coeffs) is np.ndarray
    np.testing.assert_array_equal(coeffs, transform2d(np.array(image), kind))
    if kind == "wht":  # H image H / 2 with H = [[1, 1], [1, -1]]
        np.testing.assert_allclose(coeffs, [[5.0, -1.0], [-2.0, 0.0]])


def test_torch_tensor_is_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"^image is a torch.Tensor; hadalib.signal works on NumPy"):
        transform2d(torch.ones(4, 4), "wht")


# --- basis images --------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_basis_images_are_orthonormal(kind):
    basis = basis_images(kind, n=8).reshape(64, 64)
    np.testing.assert_allclose(basis @ basis.conj().T, np.eye(64), atol=1e-12)


def test_basis_images_closed_forms():
    n = 8
    x = np.arange(n)
    u = x[:, None]
    scale = np.where(u == 0, np.sqrt(1 / n), np.sqrt(2 / n))
    cosines = scale * np.cos(np.pi * (2 * x + 1) * u / (2 * n))  # cosines[u] is a 1-D basis row
    np.testing.assert_allclose(
        basis_images("dct", n), np.einsum("ux,vy->uvxy", cosines, cosines), atol=1e-12
    )
    waves = np.exp(2j * np.pi * u * x / n) / np.sqrt(n)
    np.testing.assert_allclose(
        basis_images("fft", n), np.einsum("ux,vy->uvxy", waves, waves), atol=1e-12
    )
    H = sequency_hadamard(n) / np.sqrt(n)
    walsh = basis_images("wht", n, order="sequency")
    np.testing.assert_allclose(walsh, np.einsum("ux,vy->uvxy", H, H), atol=1e-12)
    H = scipy.linalg.hadamard(n) / np.sqrt(n)  # the default order is natural, as everywhere
    np.testing.assert_allclose(basis_images("wht", n), np.einsum("ux,vy->uvxy", H, H), atol=1e-12)


def test_basis_images_rejects_bad_n():
    with pytest.raises(ValueError, match=r"^n must be a positive int, got 0$"):
        basis_images("dct", 0)


# --- energy compaction, keep-k, compression ------------------------------------------


def test_energy_compaction_closed_form():
    c = np.array([[1.0, -2.0], [0.0, 2j]])  # energies 1, 4, 0, 4 -> total 9
    np.testing.assert_allclose(energy_compaction(c, [0, 1, 2, 3, 4]), [0, 4 / 9, 8 / 9, 1, 1])
    assert energy_compaction(c, 2) == pytest.approx(8 / 9)
    assert isinstance(energy_compaction(c, 2), float)


@settings(max_examples=40, deadline=None)
@given(c=arrays(np.float64, st.integers(1, 30), elements=finite))
def test_energy_compaction_is_monotone_and_reaches_one(c):
    if not np.any(c):
        return
    fractions = energy_compaction(c, np.arange(c.size + 1))
    assert fractions[0] == 0 and fractions[-1] == pytest.approx(1)
    assert np.all(np.diff(fractions) >= -1e-15)


def test_energy_compaction_errors():
    with pytest.raises(
        ValueError, match=r"^k=5 is out of range for 4 coefficients; use 0 <= k <= 4$"
    ):
        energy_compaction(np.ones(4), 5)
    with pytest.raises(ValueError, match=r"^k=-1 is out of range"):
        energy_compaction(np.ones(4), [-1, 2])
    with pytest.raises(TypeError, match=r"^k must be an int or an array of ints, got 1.5$"):
        energy_compaction(np.ones(4), 1.5)
    with pytest.raises(
        ValueError, match=r"^coeffs are all zero: the energy fraction is undefined$"
    ):
        energy_compaction(np.zeros(4), 1)


@settings(max_examples=40, deadline=None)
@given(c=arrays(np.float64, (3, 5), elements=finite), k=st.integers(0, 15))
def test_keep_largest_keeps_the_k_largest(c, k):
    kept = keep_largest(c, k)
    mask = kept != 0
    assert mask.sum() <= k
    np.testing.assert_array_equal(kept[mask], c[mask])
    if np.any(c):
        peak = np.abs(c).max()  # scale so that tiny values do not underflow when squared
        kept_energy = np.sum((kept / peak) ** 2) / np.sum((c / peak) ** 2)
        assert kept_energy == pytest.approx(energy_compaction(c, k))


def test_keep_largest_breaks_ties_by_position():
    np.testing.assert_array_equal(keep_largest([1.0, -2.0, 2.0, 2.0], 2), [0, -2, 2, 0])
    with pytest.raises(TypeError, match=r"^k must be a single int$"):
        keep_largest([1.0, 2.0], [1])


@pytest.mark.parametrize("kind", ["wht", "dct"])
def test_compression_error_is_the_lost_energy(camera, kind):
    coeffs = transform2d(camera, kind)
    for k in (0, 10, 1000, camera.size):
        error = np.sum((compress(camera, kind, k) - camera) ** 2)
        lost = (1 - energy_compaction(coeffs, k)) * np.sum(camera**2)
        assert error == pytest.approx(lost, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_compress_all_and_nothing(camera, kind):
    np.testing.assert_allclose(compress(camera, kind, camera.size), camera, atol=1e-12)
    np.testing.assert_array_equal(compress(camera, kind, 0), np.zeros_like(camera))
    assert np.isrealobj(compress(camera, kind, 100))


def test_compress_fft_keeps_conjugate_pairs(camera):
    # Pairs of equal magnitude are kept together, so the error is the energy left
    # out, except for one pair the cut may split: keeping c without its conjugate
    # keeps half of the pair's real image, so the error is then |c|**2 / 2 smaller.
    coeffs = transform2d(camera, "fft")
    kth = np.sort(np.abs(coeffs.ravel()))[::-1]
    for k in (1, 10, 200, 201, 1000):
        error = np.sum((compress(camera, "fft", k) - camera) ** 2)
        lost = (1 - energy_compaction(coeffs, k)) * np.sum(camera**2)
        assert lost - kth[k - 1] ** 2 / 2 - 1e-9 <= error <= lost + 1e-9


# --- PSNR and SSIM --------------------------------------------------------------------


def test_psnr_equals_skimage(camera):
    noisy = camera + 0.05 * np.random.default_rng(0).standard_normal(camera.shape)
    expected = skimage.metrics.peak_signal_noise_ratio(camera, noisy, data_range=1.0)
    assert psnr(camera, noisy, data_range=1.0) == pytest.approx(expected, rel=1e-12)
    ptp = camera.max() - camera.min()
    expected = skimage.metrics.peak_signal_noise_ratio(camera, noisy, data_range=ptp)
    assert psnr(camera, noisy) == pytest.approx(expected, rel=1e-12)
    assert psnr(camera, camera) == np.inf


def test_psnr_closed_form():
    assert psnr([0.0, 2.0], [1.0, 2.0], data_range=2.0) == pytest.approx(10 * np.log10(8))


def test_psnr_errors():
    with pytest.raises(
        ValueError,
        match=r"^reference and estimate must have the same shape; got \(2,\) and \(3,\)$",
    ):
        psnr([0, 1], [0, 1, 2])
    with pytest.raises(
        ValueError, match=r"^data_range must be positive, got 0.0 \(a constant reference"
    ):
        psnr([1, 1], [1, 2])


@pytest.mark.parametrize("win_size", [3, 7, 11])
def test_ssim_equals_skimage(camera, win_size):
    rng = np.random.default_rng(1)
    for estimate in (
        camera + 0.1 * rng.standard_normal(camera.shape),
        compress(camera, "wht", 500),
        0.5 * camera + 0.2,
    ):
        expected = skimage.metrics.structural_similarity(
            camera, estimate, data_range=1.0, win_size=win_size
        )
        assert ssim(camera, estimate, data_range=1.0, win_size=win_size) == pytest.approx(
            expected, rel=1e-9, abs=1e-12
        )


def test_ssim_errors():
    with pytest.raises(
        ValueError,
        match=r"^win_size must be an odd int between 3 and 5 \(the smaller image side\), got 4$",
    ):
        ssim(np.eye(5), np.eye(5), win_size=4)
    with pytest.raises(ValueError, match=r"^reference must be a 2-D image; got shape \(9,\)$"):
        ssim(np.ones(9), np.ones(9))


# --- blocks, the H.264 transform, SAD / SATD, motion search ---------------------------


def test_to_blocks_equals_slicing():
    image = np.arange(8 * 12).reshape(8, 12)
    blocks = to_blocks(image, 4)
    assert blocks.shape == (2, 3, 4, 4)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(blocks[i, j], image[4 * i : 4 * i + 4, 4 * j : 4 * j + 4])
    with pytest.raises(
        ValueError,
        match=r"^image shape \(10, 12\) is not a multiple of size=4 along both axes; "
        r"crop it to \(8, 12\)$",
    ):
        to_blocks(np.ones((10, 12)), 4)


def h264_butterfly_rows(x: np.ndarray) -> np.ndarray:
    """The forward core transform of one 1-D row as written in the H.264 standard."""
    s0, s1, d0, d1 = x[0] + x[3], x[1] + x[2], x[0] - x[3], x[1] - x[2]
    return np.array([s0 + s1, 2 * d0 + d1, s0 - s1, d0 - 2 * d1])


def test_h264_transform_equals_the_standards_butterfly():
    rng = np.random.default_rng(2)
    block = rng.integers(-255, 256, size=(4, 4))
    rows_done = np.array([h264_butterfly_rows(r) for r in block])  # X @ C.T
    expected = np.array([h264_butterfly_rows(c) for c in rows_done.T]).T  # C @ (X @ C.T)
    out = h264_transform4x4(block)
    np.testing.assert_array_equal(out, expected)
    assert np.issubdtype(out.dtype, np.integer)
    np.testing.assert_array_equal(H264_CORE @ H264_CORE.T, np.diag([4, 10, 4, 10]))


@settings(max_examples=30, deadline=None)
@given(blocks=arrays(np.int64, (3, 4, 4), elements=st.integers(-255, 255)))
def test_h264_inverse_is_exact(blocks):
    np.testing.assert_allclose(h264_inverse4x4(h264_transform4x4(blocks)), blocks, atol=1e-9)


def test_h264_shape_error():
    with pytest.raises(
        ValueError, match=r"^blocks must have shape \(\.\.\., 4, 4\); got \(8, 8\)$"
    ):
        h264_transform4x4(np.ones((8, 8)))


def test_sad_and_satd_against_explicit_loops():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 256, (8, 12)), rng.integers(0, 256, (8, 12))
    H = scipy.linalg.hadamard(4)
    expected = 0.0
    for i in range(0, 8, 4):
        for j in range(0, 12, 4):
            d = (a - b)[i : i + 4, j : j + 4]
            expected += np.abs(H @ d @ H.T).sum() / 4
    assert satd(a, b) == pytest.approx(expected)
    assert sad(a, b) == pytest.approx(np.abs(a - b).sum())


def test_satd_of_a_constant_difference_is_its_dc_term():
    # A constant offset c over a 4x4 block has SAD 16|c| but one WHT coefficient 4c.
    assert satd(np.full((4, 8), 5.0), np.full((4, 8), 2.0)) == pytest.approx(2 * 4 * 3)


@settings(max_examples=30, deadline=None)
@given(d=arrays(np.float64, (4, 4), elements=finite))
def test_satd_is_between_the_l2_norm_and_sad_bounds(d):
    # Orthonormal: ||WHT d||_2 = ||d||_2, so satd >= ||d||_2 and satd <= 4 ||d||_2.
    l2 = np.linalg.norm(d)
    value = satd(d, np.zeros((4, 4)))
    assert l2 - 1e-9 <= value <= 4 * l2 + 1e-9


@pytest.mark.parametrize("cost", ["sad", "satd"])
def test_block_motion_recovers_a_shift(camera, cost):
    shift = (2, -3)
    current = np.roll(camera, shift, axis=(0, 1))
    vectors, prediction = block_motion(current, camera, size=8, radius=4, cost=cost)
    interior = vectors[1:-1, 1:-1]
    assert np.all(interior == [-shift[0], -shift[1]])
    np.testing.assert_allclose(prediction[8:-8, 8:-8], current[8:-8, 8:-8])


def test_block_motion_of_identical_frames_is_zero(camera):
    vectors, prediction = block_motion(camera, camera, size=16, radius=2)
    assert vectors.shape == (8, 8, 2) and not vectors.any()
    np.testing.assert_array_equal(prediction, camera)


def test_block_motion_extends_the_border():
    reference = np.arange(64.0).reshape(8, 8)
    current = np.full((8, 8), 0.0)  # best matched by the replicated top-left corner
    vectors, prediction = block_motion(current, reference, size=4, radius=4, cost="sad")
    # every vector with dy, dx <= -3 reads only replicated zeros: the shortest wins
    assert vectors[0, 0].tolist() == [-3, -3]
    np.testing.assert_array_equal(prediction[:4, :4], np.zeros((4, 4)))


def test_block_motion_errors():
    with pytest.raises(ValueError, match=r"^cost='mse' is not one of 'sad', 'satd'$"):
        block_motion(np.ones((8, 8)), np.ones((8, 8)), cost="mse")
    with pytest.raises(ValueError, match=r"^size must be a multiple of 4 for cost='satd', got 2$"):
        block_motion(np.ones((8, 8)), np.ones((8, 8)), size=2)
    with pytest.raises(ValueError, match=r"^radius must be a non-negative int, got -1$"):
        block_motion(np.ones((8, 8)), np.ones((8, 8)), radius=-1)
    with pytest.raises(ValueError, match=r"^current and reference must have the same shape"):
        block_motion(np.ones((8, 8)), np.ones((8, 16)))


# --- Hadamard rotations, SRHT, Gaussian projections ----------------------------------


def test_hadamard_rotate_is_a_signed_normalized_hadamard_matrix():
    n = 16
    plain = hadamard_rotate(np.eye(n), axis=0, signs=False)
    np.testing.assert_allclose(plain, scipy.linalg.hadamard(n) / 4, atol=1e-12)
    R = hadamard_rotate(np.eye(n), seed=7, axis=0)  # column j is R e_j
    signs = np.sign(R[0])  # row 0 of H is all ones, so it reveals D
    np.testing.assert_allclose(R, scipy.linalg.hadamard(n) * signs / 4, atol=1e-12)
    assert set(signs) == {-1.0, 1.0}
    np.testing.assert_allclose(R @ R.T, np.eye(n), atol=1e-12)


#: The keywords of a rotation: an integer seed of random signs, or no signs at all.
ROTATIONS = st.one_of(
    st.just({"signs": False}), st.integers(0, 2**31).map(lambda seed: {"seed": seed})
)


@settings(max_examples=40, deadline=None)
@given(
    x=arrays(np.float64, st.sampled_from([(1,), (8,), (3, 16)]), elements=finite),
    rotation=ROTATIONS,
)
def test_hadamard_rotate_keeps_norms_and_unrotate_inverts(x, rotation):
    y = hadamard_rotate(x, **rotation)
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), np.linalg.norm(x, axis=-1), atol=1e-9)
    np.testing.assert_allclose(hadamard_unrotate(y, **rotation), x, atol=1e-9)
    np.testing.assert_allclose(
        hadamard_rotate(hadamard_unrotate(x, **rotation), **rotation), x, atol=1e-9
    )


def test_hadamard_unrotate_is_the_transpose():
    n = 16
    R = hadamard_rotate(np.eye(n), seed=5, axis=0)  # column j is R e_j
    np.testing.assert_allclose(hadamard_unrotate(np.eye(n), seed=5, axis=0), R.T, atol=1e-12)
    plain = scipy.linalg.hadamard(n) / 4  # symmetric: its own inverse
    np.testing.assert_allclose(hadamard_unrotate(np.eye(n), axis=0, signs=False), plain, atol=1e-12)


def test_hadamard_rotate_draws_fresh_signs_without_a_seed():
    x = np.ones(256)  # constant: without signs, H sends it to one spike
    first, second = hadamard_rotate(x), hadamard_rotate(x)
    assert not np.array_equal(first, second)
    assert np.count_nonzero(np.abs(first) > 1e-9) > 1  # spread by the signs
    np.testing.assert_allclose(hadamard_rotate(x, signs=False), np.eye(256)[0] * 16, atol=1e-12)


def test_hadamard_rotate_with_a_generator_draws_from_it():
    x = np.arange(8.0)
    rng = np.random.default_rng(11)
    np.testing.assert_array_equal(hadamard_rotate(x, seed=rng), hadamard_rotate(x, seed=11))
    # the generator moved on: the next rotation has other signs, like a second draw of 11's
    following = np.random.default_rng(11)
    following.integers(0, 2, size=8)
    np.testing.assert_array_equal(hadamard_rotate(x, seed=rng), hadamard_rotate(x, seed=following))


def test_hadamard_rotate_errors():
    with pytest.raises(
        TypeError,
        match=r"^seed must be None, an integer >= 0 or a numpy\.random\.Generator, got 1\.5 "
        r"\(float\)$",
    ):
        hadamard_rotate(np.ones(4), seed=1.5)
    with pytest.raises(ValueError, match=r"^length 6 along axis -1 is not a power of two"):
        hadamard_rotate(np.ones(6))
    with pytest.raises(
        ValueError,
        match=r"^seed=3 is given with signs=False, which draws no random signs; leave seed out, "
        r"or use signs=True$",
    ):
        hadamard_unrotate(np.ones(4), seed=3, signs=False)
    with pytest.raises(np.exceptions.AxisError, match=r"^axis 2 is out of bounds"):
        hadamard_unrotate(np.ones((2, 4)), seed=3, axis=2)


def test_srht_with_all_coordinates_is_an_isometry():
    X = np.random.default_rng(4).standard_normal((20, 50))  # padded to 64
    Y = srht(X, 64, seed=3)
    np.testing.assert_allclose(distance_ratios(X, Y), 1.0, atol=1e-12)


def test_srht_is_reproducible_and_consistent_across_calls():
    X = np.random.default_rng(5).standard_normal((10, 32))
    np.testing.assert_array_equal(srht(X, 8, seed=1), srht(X, 8, seed=1))
    np.testing.assert_allclose(srht(X[:3], 8, seed=1), srht(X, 8, seed=1)[:3])
    assert not np.allclose(srht(X, 8, seed=1), srht(X, 8, seed=2))


@pytest.mark.parametrize("project", [srht, gaussian_projection])
def test_projections_keep_squared_norms_on_average(project):
    x = np.random.default_rng(6).standard_normal(64)
    ratios = [np.sum(project(x, 16, seed=s) ** 2) / np.sum(x**2) for s in range(400)]
    # The mean of 400 ratios with standard deviation below 0.4 is within 0.1 of 1
    # except with negligible probability; the seeds are fixed, so this is deterministic.
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.1)


def test_srht_equals_its_definition():
    n, k, seed = 16, 5, 9
    x = np.random.default_rng(7).standard_normal(12)
    R = hadamard_rotate(np.eye(n), seed=seed, axis=0)
    rotated = R @ np.concatenate([x, np.zeros(4)])
    y = srht(x, k, seed=seed)
    # y is k distinct coordinates of the rotated vector, scaled by sqrt(n/k), in index order
    scaled = rotated * np.sqrt(n / k)
    idx = [int(np.argmin(np.abs(scaled - v))) for v in y]
    assert len(set(idx)) == k and idx == sorted(idx)
    np.testing.assert_allclose(y, scaled[idx], atol=1e-12)


def test_srht_without_a_seed_draws_fresh_random_signs():
    x = np.ones((1, 128))  # a constant row: without signs, H sends it to one spike
    y = srht(x, 128, seed=None)
    np.testing.assert_allclose(np.linalg.norm(y), np.sqrt(128), rtol=1e-12)  # k = n: a rotation
    assert np.count_nonzero(np.abs(y) > 1e-9) > 1  # spread by the signs, not a spike
    assert not np.array_equal(srht(x, 16, seed=None), srht(x, 16, seed=None))


def test_srht_draws_its_own_signs_then_rows(monkeypatch):
    """The map is defined by its own generator, not by hadamard_rotate's way of drawing."""
    import hadalib.signal

    def unused(*args, **kwargs):
        raise AssertionError("srht must not depend on hadamard_rotate")

    monkeypatch.setattr(hadalib.signal, "hadamard_rotate", unused)
    X = np.random.default_rng(10).standard_normal((3, 12))
    n, k, seed = 16, 5, 4
    rng = np.random.default_rng(seed)
    signs = rng.integers(0, 2, size=n) * 2.0 - 1.0
    rows = np.sort(rng.choice(n, size=k, replace=False))
    padded = np.concatenate([X, np.zeros((3, 4))], axis=1)
    expected = (padded * signs) @ scipy.linalg.hadamard(n).T[:, rows] / 4 * np.sqrt(n / k)
    np.testing.assert_allclose(srht(X, k, seed=seed), expected, atol=1e-12)


def test_projection_errors():
    with pytest.raises(
        ValueError,
        match=r"^k=65 is out of range for rows of length 50 \(padded to 64\); use 1 <= k <= 64$",
    ):
        srht(np.ones((2, 50)), 65)
    with pytest.raises(TypeError, match=r"^k must be an integer, got 2\.0 \(float\)$"):
        srht(np.ones((2, 8)), 2.0)
    with pytest.raises(ValueError, match=r"^k=0 is out of range; use k >= 1$"):
        gaussian_projection(np.ones((2, 8)), 0)


def test_distance_ratios_equal_pdist():
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((30, 6)), rng.standard_normal((30, 3))
    expected = scipy.spatial.distance.pdist(Y) / scipy.spatial.distance.pdist(X)
    np.testing.assert_allclose(distance_ratios(X, Y), expected, rtol=1e-12)
    X[3] = X[0]  # a repeated point: the pair (0, 3) is left out
    assert distance_ratios(X, Y).size == expected.size - 1
    with pytest.raises(
        ValueError,
        match=r"^X and Y must be 2-D with the same number of rows; "
        r"got shapes \(30, 6\) and \(29, 3\)$",
    ):
        distance_ratios(X, Y[:-1])


# --- quantization ---------------------------------------------------------------------


def test_fake_quantize_closed_form():
    x = np.array([7.0, 3.2, -1.6, 0.4])  # scale 1 for int4
    np.testing.assert_array_equal(fake_quantize(x, 4), [7, 3, -2, 0])
    np.testing.assert_array_equal(fake_quantize(x, 2), [7, 0, 0, 0])  # levels -7, 0, 7
    rows = np.array([[7.0, 1.0], [0.7, 0.1]])
    np.testing.assert_allclose(fake_quantize(rows, 4, axis=-1), [[7, 1], [0.7, 0.1]])
    np.testing.assert_array_equal(fake_quantize(np.zeros(3)), np.zeros(3))


@settings(max_examples=50, deadline=None)
@given(x=arrays(np.float64, st.integers(1, 40), elements=finite), bits=st.integers(2, 12))
def test_fake_quantize_is_on_the_grid_within_half_a_step(x, bits):
    q = 2 ** (bits - 1) - 1
    step = np.abs(x).max() / q
    out = fake_quantize(x, bits)
    assert np.all(np.abs(out - x) <= step / 2 * (1 + 1e-9) + 1e-300)
    if step > 0:
        levels = out / step
        np.testing.assert_allclose(levels, np.rint(levels), atol=1e-6)
        assert np.abs(levels).max() <= q + 1e-9


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fake_quantize_refuses_non_finite_input(bad):
    x = np.array([[1.0, 0.5], [bad, 2.0]])
    with pytest.raises(
        ValueError,
        match=rf"^x holds {bad!r} at index \(1, 0\); quantization needs finite values \(NaN "
        r"or inf would spoil the scale\)$",
    ):
        fake_quantize(x, 4, axis=-1)
    with pytest.raises(ValueError, match=rf"^x holds {bad!r} at index 1; quantization needs"):
        quantize_rotated(np.array([1.0, bad, 0.0, 2.0]), 4, seed=0)


def test_fake_quantize_errors():
    for bits in (1, 65, 2000):
        with pytest.raises(
            ValueError,
            match=rf"^bits={bits} is out of range for symmetric quantization; use 2 <= bits "
            r"<= 64$",
        ):
            fake_quantize(np.ones(3), bits=bits)
    with pytest.raises(TypeError, match=r"^bits must be an integer, got 4\.0 \(float\)$"):
        fake_quantize(np.ones(3), bits=4.0)


def test_rotation_makes_a_lone_outlier_exact():
    x = np.zeros(64)
    x[5] = -30.0
    np.testing.assert_allclose(quantize_rotated(x, bits=4, signs=False), x, atol=1e-12)
    np.testing.assert_allclose(quantize_rotated(x, bits=4, seed=0), x, atol=1e-12)


def test_rotation_reduces_int4_error_with_outliers():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 256))
    x[:, [3, 70]] *= 40  # two outlier channels, as in transformer activations
    plain = np.mean((fake_quantize(x, 4, axis=-1) - x) ** 2)
    rotated = np.mean((quantize_rotated(x, 4, seed=0) - x) ** 2)
    assert rotated < plain / 5


@settings(max_examples=30, deadline=None)
@given(x=arrays(np.float64, (2, 32), elements=finite), rotation=ROTATIONS)
def test_rotated_error_is_bounded_by_the_rotated_step(x, rotation):
    y = hadamard_rotate(x, **rotation)
    steps = np.abs(y).max(axis=-1) / 7
    error = np.linalg.norm(quantize_rotated(x, 4, **rotation) - x, axis=-1)
    assert np.all(error <= steps / 2 * np.sqrt(32) + 1e-9)


@pytest.mark.parametrize(
    "call",
    [
        lambda v: hadamard_rotate(v),
        lambda v: hadamard_rotate(v, seed=1),
        lambda v: hadamard_unrotate(v, signs=False),
        lambda v: quantize_rotated(v, seed=1),
        lambda v: fake_quantize(v),
        lambda v: srht(v, 4, seed=1),
        lambda v: transform2d(v.reshape(2, 4), "wht"),
    ],
)
def test_inputs_are_not_modified_nor_aliased(call):
    x = np.arange(8.0)
    out = call(x)
    out[...] = 99.0
    np.testing.assert_array_equal(x, np.arange(8.0))


# ---- multiplexing ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", range(1, 8))
def test_weighing_variances_closed_forms(k):
    n = 2**k
    np.testing.assert_allclose(weighing_variances(np.eye(n)), np.ones(n))
    np.testing.assert_allclose(weighing_variances(hadamard_matrix(n)), np.full(n, 1 / n))
    S = s_matrix(n - 1)
    np.testing.assert_allclose(weighing_variances(S), np.full(n - 1, 4 * (n - 1) / n**2))
    np.testing.assert_allclose(weighing_variances(S), np.diag(np.linalg.inv(S.T @ S)))


@given(arrays(np.int64, (6, 4), elements=st.integers(-3, 3)))
@settings(max_examples=40, deadline=None)
def test_weighing_variances_equal_the_inverse_gram_diagonal(W):
    if np.linalg.matrix_rank(W) < 4:
        return
    np.testing.assert_allclose(weighing_variances(W), np.diag(np.linalg.inv(W.T @ W)), rtol=1e-6)


def test_multiplex_estimates_have_the_predicted_variance():
    x = np.linspace(1.0, 2.0, 7)
    for W in (np.eye(7), s_matrix(7), hadamard_matrix(8)[:, 1:]):
        estimates = multiplex_estimates(x, W, sigma=0.5, trials=20_000, seed=3)
        assert estimates.shape == (20_000, 7)
        np.testing.assert_allclose(estimates.mean(axis=0), x, atol=0.02)
        np.testing.assert_allclose(estimates.var(axis=0), 0.25 * weighing_variances(W), rtol=0.05)
    np.testing.assert_allclose(multiplex_estimates(x, s_matrix(7), sigma=0.0), [x])
    first = multiplex_estimates(x, s_matrix(7), trials=3, seed=1)
    np.testing.assert_array_equal(first, multiplex_estimates(x, s_matrix(7), trials=3, seed=1))


def test_multiplexing_errors():
    with pytest.raises(
        ValueError,
        match=r"^W must be a 2-D array of shape \(measurements, "
        r"unknowns\) with at least as many measurements as unknowns; got shape "
        r"\(2, 3\)$",
    ):
        weighing_variances(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"^W of shape \(2, 2\) does not have full column rank"):
        weighing_variances([[1, 1], [1, 1]])
    with pytest.raises(ValueError, match=r"^W holds nan at index \(0, 0\)"):
        weighing_variances([[np.nan, 1], [1, 0]])
    with pytest.raises(
        ValueError,
        match=r"^x must be a vector of the 3 unknowns that W "
        r"\(shape \(3, 3\)\) weighs; got shape \(4,\)$",
    ):
        multiplex_estimates(np.ones(4), s_matrix(3))
    for sigma in (-1.0, np.inf, np.nan):
        with pytest.raises(
            ValueError,
            match=rf"^sigma={sigma} is not a standard deviation; use a finite number >= 0$",
        ):
            multiplex_estimates(np.ones(3), s_matrix(3), sigma=sigma)
    with pytest.raises(ValueError, match=r"^trials must be a positive int, got 0$"):
        multiplex_estimates(np.ones(3), s_matrix(3), trials=0)
    with pytest.raises(TypeError, match=r"^seed must be None, an integer >= 0 or a numpy"):
        multiplex_estimates(np.ones(3), s_matrix(3), seed=1.5)


# ---- Walsh codes (CDMA) -----------------------------------------------------------------------


def test_walsh_spread_equals_the_rows_of_the_hadamard_matrix():
    bits = np.array([[1, -1, 1], [-1, -1, 1]])
    chips = walsh_spread(bits, 8, codes=[3, 6])
    H = hadamard_matrix(8)
    np.testing.assert_array_equal(chips[0], np.concatenate([b * H[3] for b in bits[0]]))
    np.testing.assert_array_equal(chips[1], np.concatenate([b * H[6] for b in bits[1]]))
    np.testing.assert_array_equal(walsh_spread(bits, 8), walsh_spread(bits, 8, codes=[0, 1]))


@given(st.integers(1, 5), st.integers(1, 6), st.data())
@settings(max_examples=40, deadline=None)
def test_synchronized_users_do_not_interfere(m, symbols, data):
    n = 2**m
    users = data.draw(st.integers(1, n))
    codes = data.draw(st.permutations(range(n)))[:users]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    bits = rng.choice([-1.0, 1.0], size=(users, symbols))
    channel = walsh_spread(bits, n, codes).sum(axis=0)
    np.testing.assert_array_equal(walsh_despread(channel, n, codes), bits)
    unused = sorted(set(range(n)) - set(codes))
    np.testing.assert_array_equal(walsh_despread(channel, n, unused), 0.0)


def test_despread_is_a_correlation_and_takes_batches():
    rng = np.random.default_rng(0)
    signal = rng.standard_normal((2, 3, 16))
    H = hadamard_matrix(8)
    expected = np.einsum("kx,bsx->bks", H, signal.reshape(2, 3, 2, 8).reshape(6, 2, 8)) / 8
    np.testing.assert_allclose(walsh_despread(signal, 8).reshape(6, 8, 2), expected)
    assert walsh_despread(np.ones(8, dtype=np.float32), 8).dtype == np.float32


def test_a_code_shifted_by_one_chip_leaks_into_the_others():
    bits = np.ones((2, 4))
    streams = walsh_spread(bits, 4, codes=[1, 2])
    streams[1] = np.roll(streams[1], 1)  # user 2 late by one chip
    received = walsh_despread(streams.sum(axis=0), 4, codes=[1, 2, 3])
    assert np.abs(received[2]).max() > 0  # cross-talk into code 3


def test_walsh_code_errors():
    with pytest.raises(ValueError, match=r"^n=6 is not a power of two; Walsh codes are the rows"):
        walsh_spread([[1]], 6)
    with pytest.raises(ValueError, match=r"^bits has 3 users, but H_2 has only 2 codes$"):
        walsh_spread(np.ones((3, 1)), 2)
    with pytest.raises(ValueError, match=r"^codes holds 4; the rows of H_4 are 0 \.\. 3$"):
        walsh_spread(np.ones((1, 1)), 4, codes=[4])
    with pytest.raises(
        ValueError,
        match=r"^codes=\[1, 1\] repeats a code; each user needs "
        r"distinct rows$",
    ):
        walsh_spread(np.ones((2, 1)), 4, codes=[1, 1])
    with pytest.raises(ValueError, match=r"^codes has 1 entries for 2 users; give one per user$"):
        walsh_spread(np.ones((2, 1)), 4, codes=[1])
    with pytest.raises(TypeError, match=r"^codes has dtype float64; expected row indices \(int\)$"):
        walsh_despread(np.ones(4), 4, codes=[1.0])
    with pytest.raises(
        ValueError,
        match=r"^signal has 6 chips along its last axis, not a "
        r"multiple of n=4$",
    ):
        walsh_despread(np.ones(6), 4)


# ---- seeds, bounds and non-finite parameters --------------------------------------------------


def test_quantize_rotated_draws_its_signs_once_from_a_generator():
    x = np.random.default_rng(2).standard_normal((3, 64))
    x[:, 7] *= 30
    by_generator = quantize_rotated(x, 4, seed=np.random.default_rng(6))
    np.testing.assert_array_equal(by_generator, quantize_rotated(x, 4, seed=6))
    by_hand = hadamard_unrotate(fake_quantize(hadamard_rotate(x, seed=6), 4, axis=-1), seed=6)
    np.testing.assert_allclose(by_generator, by_hand, atol=1e-12)


def _full_search(current, reference, size, radius):
    """Block matching by the definition: every vector, edge-extended reference, ties to the
    shortest vector, then the first in raster order; SAD cost."""
    h, w = current.shape
    vectors = np.zeros((h // size, w // size, 2), dtype=int)
    for i in range(h // size):
        for j in range(w // size):
            block = current[i * size : (i + 1) * size, j * size : (j + 1) * size]
            best = None
            for dy in range(-radius, radius + 1):
                for dx in range(-radius, radius + 1):
                    rows = np.clip(np.arange(i * size + dy, (i + 1) * size + dy), 0, h - 1)
                    cols = np.clip(np.arange(j * size + dx, (j + 1) * size + dx), 0, w - 1)
                    cost = np.abs(block - reference[np.ix_(rows, cols)]).sum()
                    key = (cost, abs(dy) + abs(dx))
                    if best is None or key < best[0]:
                        best = (key, (dy, dx))
            vectors[i, j] = best[1]
    return vectors


def test_block_motion_radius_beyond_the_frame_is_searched_to_the_frame_only():
    rng = np.random.default_rng(12)
    reference = rng.integers(0, 3, size=(4, 8)).astype(float)  # ties everywhere
    current = np.roll(reference, (1, 3), axis=(0, 1))
    expected = _full_search(current, reference, 4, 11)  # beyond both sides
    for radius in (8, 11, 2000, 10**9):
        vectors, _ = block_motion(current, reference, size=4, radius=radius, cost="sad")
        np.testing.assert_array_equal(vectors, expected, err_msg=f"radius={radius}")
