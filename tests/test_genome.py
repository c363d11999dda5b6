"""The genome codec against hand-computed maps, and its round trips."""

import numpy as np
import pytest

import evornn
from evornn.genome import Codec, Field, mirror_ties
from evornn.models.ctrnn import CTRNNParams


def test_ctrnn_codec_decodes_beers_ranges_by_hand(rng):
    codec = evornn.CTRNN.codec(2, 1)
    assert codec.n_genes == 4 + 2 + 2 + 2  # weights, biases, taus, input weights; gains fixed
    g = rng.uniform(-1, 1, size=(3, codec.n_genes))
    net = codec.decode(g)
    frac = (g + 1) / 2
    np.testing.assert_allclose(net.weights.reshape(3, 4), -16 + 32 * frac[:, :4], rtol=1e-14)
    np.testing.assert_allclose(net.bias, -16 + 32 * frac[:, 4:6], rtol=1e-14)
    np.testing.assert_allclose(net.tau, 0.5 * (10 / 0.5) ** frac[:, 6:8], rtol=1e-13)
    np.testing.assert_allclose(net.input_weights[:, :, 0], -16 + 32 * frac[:, 8:10], rtol=1e-14)
    assert (net.gain == 1.0).all()


def test_round_trips(rng):
    codec = evornn.CTRNN.codec(4, 2, gain_range=(0.5, 5))
    g = rng.uniform(-1, 1, size=(7, codec.n_genes))
    np.testing.assert_allclose(codec.encode(codec.decode(g)), g, rtol=0, atol=1e-14)
    net = codec.decode(g)
    again = codec.decode(codec.encode(net))
    for name in CTRNNParams._fields:
        np.testing.assert_allclose(getattr(again, name), getattr(net, name), rtol=1e-14, atol=1e-14)


def test_genes_outside_the_bounds_are_clipped():
    codec = evornn.CTRNN.codec(1)
    net = codec.decode([[3.0, -7.0, 1.5]])
    assert net.weights[0, 0, 0] == 16.0 and net.bias[0, 0] == -16.0 and net.tau[0, 0] == pytest.approx(10.0)


def test_decoded_fields_are_separate_contiguous_arrays_whatever_the_genome_layout(rng):
    codec = evornn.CTRNN.codec(3, 2)
    g = rng.uniform(-1, 1, size=(6, 2 * codec.n_genes))[:, ::2]  # a strided view
    values, again = codec.values(g), codec.values(g.copy())
    for name, value in values.items():
        assert value.flags.c_contiguous and value.shape[0] == 6
        np.testing.assert_array_equal(value, again[name])
    values["bias"][...] = 99.0  # one field's storage is not another's
    assert not (values["weights"] == 99.0).any() and not (values["tau"] == 99.0).any()


def test_a_nan_gene_is_named_as_the_field_it_decodes_into():
    codec = evornn.CTRNN.codec(2)
    g = np.zeros((3, codec.n_genes))
    g[1, 4] = np.nan  # the first bias
    with pytest.raises(ValueError, match="bias must be finite"):
        codec.decode(g)


def test_masks_fix_entries_and_remove_their_genes(rng):
    mask = np.array([[True, False], [True, True]])
    codec = evornn.CTRNN.codec(2, mask=mask)
    assert codec.n_genes == 3 + 2 + 2
    net = codec.decode(rng.uniform(-1, 1, size=(5, codec.n_genes)))
    assert (net.weights[:, 0, 1] == 0).all()
    assert "weights[0,1]" not in codec.gene_names


def test_mirror_symmetry_ties_genes(rng):
    mirror = [3, 2, 1, 0]
    codec = evornn.CTRNN.codec(4, 2, mirror=mirror, input_mirror=[1, 0])
    net = codec.decode(rng.uniform(-1, 1, size=(6, codec.n_genes)))
    m = np.array(mirror)
    np.testing.assert_array_equal(net.weights, net.weights[:, m][:, :, m])
    np.testing.assert_array_equal(net.bias, net.bias[:, m])
    np.testing.assert_array_equal(net.tau, net.tau[:, m])
    np.testing.assert_array_equal(net.input_weights, net.input_weights[:, m][:, :, [1, 0]])
    assert codec.n_genes == 8 + 2 + 2 + 4


def test_encode_rejects_models_the_codec_cannot_produce():
    codec = evornn.CTRNN.codec(2, mirror=[1, 0])
    with pytest.raises(ValueError, match="tied entries"):
        codec.encode(evornn.CTRNN([[1.0, 2.0], [3.0, 4.0]], bias=[0.0, 0.0]))
    with pytest.raises(ValueError, match="outside"):
        evornn.CTRNN.codec(1).encode(evornn.CTRNN([[20.0]]))
    with pytest.raises(ValueError, match="fixed"):
        evornn.CTRNN.codec(1).encode(evornn.CTRNN([[1.0]], gain=2.0))
    # A codec over hyperparameters cannot read them from a model, and says what to give.
    hyper = evornn.ESN.codec(20, connectivity=0.5)
    with pytest.raises(ValueError, match=r"codec's genes are \['spectral_radius'"):
        hyper.encode(hyper.decode(hyper.random(2, rng=0)))
    genomes = hyper.random(2, rng=0)
    np.testing.assert_allclose(hyper.encode(hyper.values(genomes)), genomes, atol=1e-12)


def test_bad_codec_arguments_raise_naming_them():
    with pytest.raises(ValueError, match="tau_range"):
        evornn.CTRNN.codec(2, tau_range=(5, 1))
    with pytest.raises(ValueError, match="log-scale"):
        evornn.CTRNN.codec(2, tau_range=(0.0, 1.0))
    with pytest.raises(ValueError, match="mask"):
        evornn.CTRNN.codec(2, mask=np.ones((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="mirror"):
        mirror_ties([1, 2, 0])
    with pytest.raises(ValueError, match="genomes"):
        evornn.CTRNN.codec(2).decode(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="no gene"):
        Codec(dict, {"x": Field.constant(1.0, (2,))})


def test_random_genomes_are_reproducible_and_in_bounds():
    codec = evornn.CTRNN.codec(3)
    a, b = codec.random(50, rng=3), codec.random(50, rng=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50, codec.n_genes) and a.min() >= -1 and a.max() <= 1
