"""The IceCube 12-year data loader: the real files, and corrupted copies that must be refused
with an error naming the file, the line and the problem."""

import csv
import math

import numpy as np
import pytest

from cranisotropy import data
from cranisotropy.data import DataFormatError, load_crosscheck, load_icecube12yr

SPECTRUM = data.data_dir() / data.SPECTRUM_FILE
CROSSCHECK = data.data_dir() / data.CROSSCHECK_FILE


# -- helpers ------------------------------------------------------------------------------------
def lines_of(path):
    return path.read_text().splitlines(keepends=True)


def header_index(lines):
    """0-based index of the CSV header line (first non-comment line)."""
    return next(i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#"))


def row_index(lines, label, ell):
    """0-based index of the spectrum row (label, ell)."""
    h = header_index(lines)
    for i in range(h + 1, len(lines)):
        f = lines[i].split(",")
        if f[0] == label and int(f[2]) == ell:
            return i
    raise LookupError((label, ell))


def set_field(line, column, value, columns=data.SPECTRUM_COLUMNS):
    f = line.rstrip("\n").split(",")
    f[columns.index(column)] = value
    return ",".join(f) + "\n"


def write(tmp_path, lines, name="spectrum.csv"):
    p = tmp_path / name
    p.write_text("".join(lines))
    return p


def assert_refused(path, line, fragment, loader=load_icecube12yr):
    """The loader raises DataFormatError naming ``path``, line ``line`` (1-based) and ``fragment``."""
    with pytest.raises(DataFormatError) as err:
        loader(path)
    e = err.value
    assert e.path == path
    assert e.line == line, str(e)
    assert fragment in e.problem, str(e)
    assert str(e).startswith(f"{path}:{line}: ")
    assert isinstance(e, ValueError)
    return e


# -- the real files -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ic():
    return load_icecube12yr()


@pytest.fixture(scope="module")
def cc():
    return load_crosscheck()


def test_nine_bins_with_their_energies(ic):
    assert len(ic) == 9
    assert ic.labels == ["13 TeV", "24 TeV", "42 TeV", "67 TeV", "130 TeV", "240 TeV", "470 TeV",
                         "1.5 PeV", "5.3 PeV"]
    np.testing.assert_array_equal(ic.energies_TeV, [13, 24, 42, 67, 130, 240, 470, 1500, 5300])
    assert ic.source == SPECTRUM
    for b in ic:
        np.testing.assert_array_equal(b.ell, np.arange(1, 41))
        for arr in (b.C, b.stat_lo, b.stat_hi, b.box_lo, b.box_hi, b.lo_clipped):
            assert arr.shape == (40,)
        assert b.noise_lo.shape == b.noise_hi.shape == (3, 40)
        assert np.all(b.C > 0) and np.all(np.isfinite(b.noise_hi))
        assert np.isnan(b.box_lo[-1]) and np.isnan(b.box_hi[-1])   # no box at l = 40
        assert np.all(np.isfinite(b.box_lo[:-1]))


def test_numbers_match_the_csv(ic):
    """Every value of every row, read independently with the csv module."""
    rows = [r for r in csv.DictReader(ln for ln in SPECTRUM.read_text().splitlines() if not ln.startswith("#"))]
    assert len(rows) == 9 * 40
    num = lambda s: math.nan if s == "" else float(s)  # noqa: E731
    for r in rows:
        b = ic[r["energy_label"]]
        i = int(r["ell"]) - 1
        assert b.median_energy_TeV == float(r["median_energy_TeV"])
        for col, arr in (("C_tilde", b.C), ("stat_lo", b.stat_lo), ("stat_hi", b.stat_hi),
                         ("box_lo", b.box_lo), ("box_hi", b.box_hi)):
            np.testing.assert_equal(arr[i], num(r[col]))
        for k in (1, 2, 3):
            assert b.noise_lo[k - 1, i] == float(r[f"noise{k}sig_lo"])
            assert b.noise_hi[k - 1, i] == float(r[f"noise{k}sig_hi"])
        assert b.lo_clipped[i] == (r["lo_clipped"] == "1")


def test_nearest(ic):
    assert ic.nearest(20).label == "24 TeV"
    assert ic.nearest(10).label == "13 TeV"
    assert ic.nearest(1e5).label == "5.3 PeV"
    assert ic.nearest(1).label == "13 TeV"
    assert ic.nearest(100).label == "130 TeV"       # nearest in log E: 100/67 > 130/100
    for bad in (0, -5, np.nan):
        with pytest.raises(ValueError, match="energy_TeV"):
            ic.nearest(bad)
    with pytest.raises(KeyError, match="no energy bin"):
        ic["20 TeV"]


def test_above_noise(ic):
    b24 = ic["24 TeV"]
    assert b24.above_noise(3).all()                   # 24 TeV: every l above the 3-sigma band
    assert not ic["5.3 PeV"].above_noise(3).any()
    b13 = ic["13 TeV"]
    np.testing.assert_array_equal(b13.above_noise(3), b13.C > b13.noise_hi[2])
    assert b13.ell_ranges_above_noise(3) == [(1, 28)]
    assert ic["42 TeV"].ell_ranges_above_noise(3) == [(1, 31), (33, 34), (38, 39)]
    for b in ic:   # a wider band can only remove multipoles
        assert np.all(b.above_noise(3) <= b.above_noise(2)) and np.all(b.above_noise(2) <= b.above_noise(1))
        np.testing.assert_array_equal(b.noise_margin_dex(3) > 0, b.above_noise(3))
    with pytest.raises(ValueError, match="nsigma"):
        b24.above_noise(4)
    with pytest.raises(ValueError, match="nsigma"):
        b24.above_noise(0)


def test_select_and_cl_vs_energy(ic):
    b = ic["67 TeV"]
    s = b.select([2, 20])
    np.testing.assert_array_equal(s["C"], b.C[[1, 19]])
    assert s["noise_hi"].shape == (3, 2)
    with pytest.raises(ValueError, match="ell"):
        b.select(41)
    with pytest.raises(ValueError, match="ell"):
        b.select(0)
    d = ic.cl_vs_energy(3)
    np.testing.assert_array_equal(d["C"], [bb.C[2] for bb in ic])
    np.testing.assert_array_equal(d["E_TeV"], ic.energies_TeV)
    assert d["noise_hi"].shape == (3, 9)
    with pytest.raises(ValueError, match="ell"):
        ic.cl_vs_energy(0)


def test_runs():
    assert data.ell_runs([1, 2, 3, 5, 7, 8]) == [(1, 3), (5, 5), (7, 8)]
    assert data.ell_runs([]) == []
    assert data.format_runs([(1, 3), (5, 5)]) == "1\u20133, 5"
    assert data.format_runs([]) == "none"


def test_crosscheck_file(ic, cc):
    assert len(cc["ell"]) == 50 and int((~cc["occluded"]).sum()) == 46
    assert set(cc["ell"]) == {1, 2, 3, 4, 6, 11, 20}
    # C_tilde_GIF is the value of the main file, exactly
    np.testing.assert_array_equal(data.match_crosscheck(ic, cc), cc["C_GIF"])
    s = data.digitisation_stats(cc)
    assert s["n"] == 46
    # the header quotes mean -0.006, scatter 0.008, max 0.023 dex (from unrounded readings)
    assert abs(s["mean"] - -0.006) < 1e-3 and abs(s["std"] - 0.008) < 1e-3 and abs(s["max_abs"] - 0.023) < 1e-3
    assert data.digitisation_stats(cc, include_occluded=True)["n"] == 50
    with pytest.raises(ValueError, match="cc"):
        data.digitisation_stats({k: v[:1] for k, v in cc.items()})


def test_calibration_from_header():
    assert data.pixels_per_decade() == pytest.approx(250 / 6)
    assert data.pixels_per_decade(CROSSCHECK) == pytest.approx(412 / 5)
    assert "Abbasi" in data.read_header()


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such data file"):
        load_icecube12yr(tmp_path / "nope.csv")


# -- corrupted copies of the spectrum file ------------------------------------------------------
def test_missing_column(tmp_path):
    lines = lines_of(SPECTRUM)
    h = header_index(lines)
    drop = data.SPECTRUM_COLUMNS.index("box_hi")
    for i in range(h, len(lines)):
        f = lines[i].rstrip("\n").split(",")
        del f[drop]
        lines[i] = ",".join(f) + "\n"
    assert_refused(write(tmp_path, lines), h + 1, "lacks column(s) ['box_hi']")


def test_nan(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "42 TeV", 7)
    lines[i] = set_field(lines[i], "C_tilde", "nan")
    assert_refused(write(tmp_path, lines), i + 1, "column 'C_tilde' is not finite")


def test_nan_in_optional_column(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "130 TeV", 3)
    lines[i] = set_field(lines[i], "stat_hi", "NaN")     # empty means hidden; NaN is not allowed
    assert_refused(write(tmp_path, lines), i + 1, "column 'stat_hi' is not finite")


def test_negative_value(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "13 TeV", 5)
    lines[i] = set_field(lines[i], "C_tilde", "-6.194e-09")
    assert_refused(write(tmp_path, lines), i + 1, "column 'C_tilde' must be > 0")


def test_negative_band_edge(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "240 TeV", 12)
    lines[i] = set_field(lines[i], "noise2sig_lo", "-1e-12")
    assert_refused(write(tmp_path, lines), i + 1, "column 'noise2sig_lo' must be > 0")


def test_text_in_numeric_column(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "470 TeV", 20)
    lines[i] = set_field(lines[i], "noise3sig_hi", "n/a")
    assert_refused(write(tmp_path, lines), i + 1, "column 'noise3sig_hi' is not a number: 'n/a'")


def test_text_in_energy(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "24 TeV", 1)
    lines[i] = set_field(lines[i], "median_energy_TeV", "24 TeV")
    assert_refused(write(tmp_path, lines), i + 1, "column 'median_energy_TeV' is not a number")


def test_duplicated_row(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "67 TeV", 10)
    lines.insert(i + 1, lines[i])
    assert_refused(write(tmp_path, lines), i + 2, f"duplicated row for bin '67 TeV', ell=10 (first on line {i + 1})")


def test_empty_file(tmp_path):
    p = write(tmp_path, [])
    assert_refused(p, 1, "empty file")


def test_comments_only(tmp_path):
    lines = lines_of(SPECTRUM)
    h = header_index(lines)
    assert_refused(write(tmp_path, lines[:h]), h + 1, "empty file")


def test_header_only(tmp_path):
    lines = lines_of(SPECTRUM)
    h = header_index(lines)
    assert_refused(write(tmp_path, lines[:h + 1]), h + 1, "no data rows")


@pytest.mark.parametrize("bad", ["41", "0", "2.5", "-1"])
def test_ell_out_of_range(tmp_path, bad):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "1.5 PeV", 2)
    lines[i] = set_field(lines[i], "ell", bad)
    assert_refused(write(tmp_path, lines), i + 1, "ell must be an integer in [1, 40]")


def test_missing_ell_inside_a_bin(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "13 TeV", 5)
    del lines[i]                                 # the row of l = 6 now sits on line i + 1
    assert_refused(write(tmp_path, lines), i + 1, "bin '13 TeV' jumps from ell=4 to ell=6: lacks ell [5]")


def test_missing_last_ell_of_a_bin(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "240 TeV", 40)
    del lines[i]                                 # the bin now ends at l = 39, on line i
    assert_refused(write(tmp_path, lines), i, "bin '240 TeV' ends at ell=39: lacks ell [40]")


def test_missing_ell_at_end_of_file(tmp_path):
    lines = lines_of(SPECTRUM)
    assert_refused(write(tmp_path, lines[:-2]), len(lines) - 2, "bin '5.3 PeV' ends at ell=38")


def test_rows_out_of_order(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "42 TeV", 10)
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    assert_refused(write(tmp_path, lines), i + 1, "jumps from ell=9 to ell=11")


def test_bin_not_contiguous(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "24 TeV", 1)
    lines.append(lines[i])
    assert_refused(write(tmp_path, lines), len(lines), "bin '24 TeV' appears again")


def test_inconsistent_median_energy(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "67 TeV", 30)
    lines[i] = set_field(lines[i], "median_energy_TeV", "66")
    assert_refused(write(tmp_path, lines), i + 1, "bin '67 TeV' has median energy 66 here")


def test_bins_not_in_increasing_energy(tmp_path):
    lines = lines_of(SPECTRUM)
    start = row_index(lines, "42 TeV", 1)
    for i in range(start, start + 40):
        lines[i] = set_field(lines[i], "median_energy_TeV", "20")
    assert_refused(write(tmp_path, lines), start + 1, "does not follow bin '24 TeV'")


def test_error_bar_on_the_wrong_side(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "1.5 PeV", 10)
    lines[i] = set_field(lines[i], "stat_lo", "1e-6")
    assert_refused(write(tmp_path, lines), i + 1, "stat_lo = 1e-06 lies above C_tilde")


def test_noise_bands_not_nested(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "130 TeV", 25)
    lines[i] = set_field(lines[i], "noise1sig_hi", "1e-7")
    assert_refused(write(tmp_path, lines), i + 1, "1-sigma noise band is not inside the 2-sigma band")


def test_bad_flag_and_field_count(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "13 TeV", 3)
    lines[i] = set_field(lines[i], "lo_clipped", "yes")
    assert_refused(write(tmp_path, lines), i + 1, "lo_clipped must be 0 or 1")
    lines = lines_of(SPECTRUM)
    lines[i] = lines[i].rstrip("\n") + ",1\n"
    assert_refused(write(tmp_path, lines), i + 1, "expected 15 fields, found 16")


def test_empty_required_field_and_label(tmp_path):
    lines = lines_of(SPECTRUM)
    i = row_index(lines, "13 TeV", 8)
    lines[i] = set_field(lines[i], "noise1sig_lo", "")
    assert_refused(write(tmp_path, lines), i + 1, "column 'noise1sig_lo' is empty")
    lines = lines_of(SPECTRUM)
    lines[i] = set_field(lines[i], "energy_label", "")
    assert_refused(write(tmp_path, lines), i + 1, "empty energy_label")


def test_unexpected_or_repeated_column(tmp_path):
    lines = lines_of(SPECTRUM)
    h = header_index(lines)
    lines[h] = lines[h].replace("lo_clipped", "clipped")
    assert_refused(write(tmp_path, lines), h + 1, "lacks column(s) ['lo_clipped']")
    lines = lines_of(SPECTRUM)
    lines[h] = lines[h].replace("lo_clipped", "C_tilde")
    assert_refused(write(tmp_path, lines), h + 1, "header repeats column(s) ['C_tilde']")


# -- corrupted copies of the cross-check file ---------------------------------------------------
def cc_line(lines, label, ell):
    h = header_index(lines)
    return next(i for i in range(h + 1, len(lines))
                if lines[i].split(",")[0] == label and int(lines[i].split(",")[2]) == ell)


def test_crosscheck_corrupted(tmp_path):
    cols = data.CROSSCHECK_COLUMNS
    base = lines_of(CROSSCHECK)
    h = header_index(base)
    i = cc_line(base, "42 TeV", 11)

    def refused(lines, line, fragment):
        assert_refused(write(tmp_path, lines, "cc.csv"), line, fragment, loader=load_crosscheck)

    lines = list(base)
    lines[h] = lines[h].replace(",dlog10", "")
    lines[h + 1:] = [",".join(ln.rstrip("\n").split(",")[:-1]) + "\n" for ln in lines[h + 1:]]
    refused(lines, h + 1, "lacks column(s) ['dlog10']")
    lines = list(base)
    lines[i] = set_field(lines[i], "C_tilde_CEfig", "nan", cols)
    refused(lines, i + 1, "column 'C_tilde_CEfig' is not finite")
    lines = list(base)
    lines[i] = set_field(lines[i], "C_tilde_GIF", "-4.365e-10", cols)
    refused(lines, i + 1, "column 'C_tilde_GIF' must be > 0")
    lines = list(base)
    lines[i] = set_field(lines[i], "E_TeV_from_axis", "forty", cols)
    refused(lines, i + 1, "column 'E_TeV_from_axis' is not a number")
    lines = list(base)
    lines.insert(i + 1, lines[i])
    refused(lines, i + 2, "duplicated row for bin '42 TeV', ell=11")
    lines = list(base)
    lines[i] = set_field(lines[i], "dlog10", "+0.050", cols)
    refused(lines, i + 1, "dlog10 = +0.050 but log10(C_tilde_CEfig/C_tilde_GIF)")
    lines = list(base)
    lines[i] = set_field(lines[i], "ell", "45", cols)
    refused(lines, i + 1, "ell must be an integer in [1, 40]")
    lines = list(base)
    lines[i] = set_field(lines[i], "occluded", "2", cols)
    refused(lines, i + 1, "occluded must be 0 or 1")
    lines = list(base)
    lines[i] = set_field(lines[i], "marker_pixels", "18.5", cols)
    refused(lines, i + 1, "marker_pixels must be an integer")
    refused([], 1, "empty file")


def test_crosscheck_unknown_bin(tmp_path, ic):
    lines = lines_of(CROSSCHECK)
    i = cc_line(lines, "24 TeV", 3)
    lines[i] = set_field(lines[i], "energy_label", "25 TeV", data.CROSSCHECK_COLUMNS)
    p = write(tmp_path, lines, "cc.csv")
    with pytest.raises(DataFormatError) as err:
        data.match_crosscheck(ic, load_crosscheck(p), path=p)
    assert err.value.line == i + 1 and err.value.path == p and "bin '25 TeV' is not in" in str(err.value)


def test_error_message_form():
    e = DataFormatError("f.csv", 3, "bad")
    assert str(e) == "f.csv:3: bad" and e.line == 3 and e.problem == "bad"
    assert str(DataFormatError("plain message")) == "plain message"   # the older one-argument form


# -- issue 12: a file cut at a bin boundary, a byte-order mark ---------------------------------
def test_file_cut_at_a_bin_boundary_is_refused(tmp_path):
    lines = lines_of(SPECTRUM)
    last = row_index(lines, "24 TeV", 40)          # keep the first two bins only
    assert data.declared_bins(SPECTRUM) == 9
    assert_refused(write(tmp_path, lines[: last + 1]), last + 1,
                   "the header declares 9 energy bins but the file holds 2")


def test_file_without_a_declared_bin_count_loads(tmp_path):
    lines = [ln.replace("in 9 energy bins", "in energy bins") for ln in lines_of(SPECTRUM)]
    p = write(tmp_path, lines)
    assert data.declared_bins(p) is None
    assert len(load_icecube12yr(p)) == 9


def test_leading_byte_order_mark_is_accepted(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes(b"\xef\xbb\xbf" + SPECTRUM.read_bytes())
    ic = load_icecube12yr(p)
    assert len(ic) == 9 and ic.bins[0].C[0] == load_icecube12yr().bins[0].C[0]
    assert data.read_header(p).startswith(" IceCube 12-year")
    assert data.pixels_per_decade(p) == pytest.approx(data.pixels_per_decade())
    q = tmp_path / "bom_cc.csv"
    q.write_bytes(b"\xef\xbb\xbf" + CROSSCHECK.read_bytes())
    assert len(load_crosscheck(q)["ell"]) == len(load_crosscheck()["ell"])


def test_byte_order_mark_inside_the_header_is_named(tmp_path):
    lines = lines_of(SPECTRUM)
    h = header_index(lines)
    lines[h] = "\ufeff" + lines[h]
    e = assert_refused(write(tmp_path, lines), h + 1, "header lacks column(s)")
    assert "byte-order mark" in e.problem


# -- the error model of the fits ---------------------------------------------------------------
def test_log10_errors(ic):
    import dataclasses
    nan = np.nan
    b = dataclasses.replace(ic.bins[0], C=np.ones(40), stat_lo=np.r_[nan, 0.5, nan, 0.8, np.full(36, nan)],
                            stat_hi=np.r_[nan, 2.0, 1.25, nan, np.full(36, nan)])
    e = data.log10_errors(b, [1, 2, 3, 4], floor_dex=0.01)
    expected_stat = np.array([0.0, np.log10(2.0), np.log10(1.25), np.log10(1 / 0.8)])
    assert np.allclose(e, np.sqrt(0.01**2 + expected_stat**2))
    assert np.all(data.log10_errors(ic.bins[0], np.arange(1, 41)) >= data.DIGITISATION_DEX)
    with pytest.raises(ValueError, match="floor_dex"):
        data.log10_errors(ic.bins[0], [3], floor_dex=0)
    with pytest.raises(TypeError, match="EnergyBin"):
        data.log10_errors(None, [3])
    with pytest.raises(ValueError, match="ell"):
        data.log10_errors(ic.bins[0], [41])


def test_header_facts_noise_summary_rise(ic, tmp_path):
    f = data.header_facts()
    assert f["period"] == "May 2011 to May 2023" and f["hidden_bar_dex"] == 0.11
    assert np.allclose(10 ** f["marker_log10E"] / 1e3, ic.energies_TeV, rtol=0.03)
    lines = [ln.replace("mean log10(CEfig/GIF)", "average") for ln in lines_of(SPECTRUM)]
    with pytest.raises(DataFormatError, match="crosscheck"):
        data.header_facts(write(tmp_path, lines))
    s = data.noise_summary(ic, 3, 0.05)
    assert list(s) == ic.labels and s["5.3 PeV"]["contiguous_to"] == 0
    assert all(t["n_above"] == int(b.above_noise(3).sum()) for t, b in zip(s.values(), ic))
    ratios, last = data.rise_with_energy(ic, [6, 11], 3)
    assert ratios.shape == (2,) and all(0 <= i < 9 for i in last)
