"""The IceCube 12-year angular pseudo-power spectra (Abbasi et al. 2025), digitised.

``load_icecube12yr()`` reads ``data/icecube12yr/pseudo_power_spectrum_digitized.csv`` into an
:class:`IceCubeSpectra`: nine energy bins, each an :class:`EnergyBin` with l = 1..40, the
pseudo-power C~_l (dimensionless; relative-intensity map, partial sky, not corrected for sky
coverage), the statistical error-bar ends where visible (NaN where hidden by the marker), the
shaded box around each point, and the 1/2/3-sigma isotropic-noise bands.  See
``data/icecube12yr/README.md`` for the source, the method and the precision (markers
+-0.012 dex).  ``load_crosscheck()`` reads the independent reading of the C~_l-versus-energy
figure; :func:`digitisation_stats` turns it into the digitisation precision.  :func:`log10_errors`
is the one error model of the digitised points used by every fit of the book (digitisation
precision and, where visible, the statistical error bar, in dex).

Every malformed file raises :class:`DataFormatError` naming the file, the line and the problem
(``str(err) == "<file>:<line>: <problem>"``; also ``err.path``, ``err.line``, ``err.problem``).

Units: ``median_energy_TeV`` in TeV (median primary energy of the bin, as labelled in the
figure legends); every C~_l, band and box edge is the dimensionless pseudo-power of the
relative-intensity map.
"""

from __future__ import annotations

import csv
import os
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import validate

__data__ = ("icecube12yr/pseudo_power_spectrum_digitized.csv",      # the data this module reads
            "icecube12yr/cl_vs_energy_crosscheck_digitized.csv")  # (tools/inputs.py keys chapters on them)


def data_dir() -> Path:
    """The repository's ``data/`` folder (``$CRANISOTROPY_DATA`` overrides it)."""
    env = os.environ.get("CRANISOTROPY_DATA")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2] / "data"

SPECTRUM_FILE = "icecube12yr/pseudo_power_spectrum_digitized.csv"
CROSSCHECK_FILE = "icecube12yr/cl_vs_energy_crosscheck_digitized.csv"

SPECTRUM_COLUMNS = [
    "energy_label", "median_energy_TeV", "ell", "C_tilde", "stat_lo", "stat_hi", "box_lo", "box_hi",
    "noise1sig_lo", "noise1sig_hi", "noise2sig_lo", "noise2sig_hi", "noise3sig_lo", "noise3sig_hi",
    "lo_clipped",
]
# columns that may be empty (not visible on the figure)
_OPTIONAL = {"stat_lo", "stat_hi", "box_lo", "box_hi"}
CROSSCHECK_COLUMNS = ["energy_label", "E_TeV_from_axis", "ell", "C_tilde_CEfig", "marker_pixels",
                      "occluded", "C_tilde_GIF", "dlog10"]
ELL_RANGE = (1, 40)
#: marker-centre precision of the digitised spectra, +-0.5 px of the source figure (dex)
DIGITISATION_DEX = 0.012
# dlog10 is tabulated to 3 decimals from values with 4 significant digits: |dlog10 -
# log10(C_CEfig/C_GIF)| <= 0.0005 + 2 * log10(1 + 5e-4) ~ 0.00093
_DLOG10_ROUNDING = 1.0e-3


class DataFormatError(ValueError):
    """A data file does not have the documented format; the message names file, line, problem."""

    def __init__(self, path, line=None, problem: str | None = None):
        if line is None and problem is None:      # old form: DataFormatError("message")
            self.path, self.line, self.problem = None, None, str(path)
            super().__init__(str(path))
            return
        self.path = Path(path)
        self.line = line
        self.problem = problem
        super().__init__(f"{path}:{line}: {problem}")


@dataclass(frozen=True)
class EnergyBin:
    """One energy bin of the IceCube 12-year pseudo-power spectrum (arrays indexed like ``ell``)."""

    label: str
    median_energy_TeV: float
    ell: np.ndarray
    C: np.ndarray                 # pseudo-power C~_l
    stat_lo: np.ndarray           # statistical error-bar ends (NaN: hidden inside the marker)
    stat_hi: np.ndarray
    box_lo: np.ndarray            # shaded box around the point (NaN where not drawn, l = 40)
    box_hi: np.ndarray
    noise_lo: np.ndarray          # shape (3, n): lower edge of the 1, 2, 3 sigma noise bands
    noise_hi: np.ndarray          # shape (3, n): upper edges
    lo_clipped: np.ndarray        # True: lower band edges are set by the plot floor 1e-12

    def _nsigma(self, nsigma) -> int:
        nsigma = validate.integer("nsigma", nsigma, minimum=1, allow_array=False)
        if nsigma > 3:
            raise ValueError(f"nsigma must be 1, 2 or 3, got {nsigma}")
        return nsigma

    def above_noise(self, nsigma: int = 3) -> np.ndarray:
        """Boolean mask: C~_l above the upper edge of the ``nsigma`` (1, 2 or 3) noise band."""
        return self.C > self.noise_hi[self._nsigma(nsigma) - 1]

    def noise_margin_dex(self, nsigma: int = 3) -> np.ndarray:
        """log10(C~_l / upper edge of the ``nsigma`` noise band): > 0 above the band."""
        return np.log10(self.C / self.noise_hi[self._nsigma(nsigma) - 1])

    def ell_ranges_above_noise(self, nsigma: int = 3) -> list[tuple[int, int]]:
        """Runs of consecutive l above the ``nsigma`` band, as ``[(first, last), ...]``."""
        return ell_runs(self.ell[self.above_noise(nsigma)])

    def select(self, ell) -> dict:
        """The row(s) for multipole(s) ``ell`` as a dict of arrays."""
        ell = np.atleast_1d(validate.integer("ell", ell, minimum=ELL_RANGE[0]))
        idx = np.searchsorted(self.ell, ell)
        if np.any(idx >= len(self.ell)) or np.any(self.ell[np.minimum(idx, len(self.ell) - 1)] != ell):
            raise ValueError(f"ell must be in {list(self.ell[[0, -1]])}, got {ell.tolist()}")
        return {"ell": self.ell[idx], "C": self.C[idx], "stat_lo": self.stat_lo[idx], "stat_hi": self.stat_hi[idx],
                "box_lo": self.box_lo[idx], "box_hi": self.box_hi[idx],
                "noise_hi": self.noise_hi[:, idx], "noise_lo": self.noise_lo[:, idx]}


@dataclass(frozen=True)
class IceCubeSpectra:
    """All energy bins, ordered by median energy."""

    bins: list
    source: Path = field(repr=False)

    @property
    def energies_TeV(self) -> np.ndarray:
        return np.array([b.median_energy_TeV for b in self.bins])

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.bins]

    def nearest(self, energy_TeV) -> EnergyBin:
        """The bin whose median energy is nearest (in log E) to ``energy_TeV``."""
        e = validate.positive("energy_TeV", energy_TeV, allow_array=False)
        return self.bins[int(np.argmin(np.abs(np.log(self.energies_TeV / e))))]

    def cl_vs_energy(self, ell: int) -> dict:
        """C~_l of one multipole across the bins: dict of arrays E_TeV, C, stat_lo, stat_hi,
        box_lo, box_hi, noise_lo, noise_hi (shape (3, nbins)), labels."""
        ell = validate.integer("ell", ell, minimum=ELL_RANGE[0], allow_array=False)
        rows = [b.select(ell) for b in self.bins]
        out = {k: np.array([r[k][0] for r in rows]) for k in ("C", "stat_lo", "stat_hi", "box_lo", "box_hi")}
        out["noise_lo"] = np.array([r["noise_lo"][:, 0] for r in rows]).T
        out["noise_hi"] = np.array([r["noise_hi"][:, 0] for r in rows]).T
        out["E_TeV"] = self.energies_TeV
        out["labels"] = self.labels
        return out

    def __getitem__(self, label: str) -> EnergyBin:
        for b in self.bins:
            if b.label == label:
                return b
        raise KeyError(f"no energy bin {label!r}; bins: {self.labels}")

    def __iter__(self):
        return iter(self.bins)

    def __len__(self):
        return len(self.bins)


def ell_runs(ells) -> list[tuple[int, int]]:
    """Group sorted integers into runs of consecutive values: [1,2,3,5] -> [(1,3), (5,5)]."""
    ells = [int(v) for v in np.atleast_1d(ells)]
    runs: list[tuple[int, int]] = []
    for v in ells:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def format_runs(runs) -> str:
    """``[(1, 3), (5, 5)]`` -> ``"1-3, 5"`` (en dash); ``"none"`` when empty."""
    if not runs:
        return "none"
    return ", ".join(f"{a}" if a == b else f"{a}\u2013{b}" for a, b in runs)


def read_header(path: str | Path | None = None) -> str:
    """The ``#`` comment lines at the top of a data file (without the ``#``), joined by newlines."""
    path = Path(path) if path is not None else data_dir() / SPECTRUM_FILE
    out = []
    with open(path, encoding="utf-8-sig") as fh:   # a leading byte-order mark is accepted
        for ln in fh:
            if not ln.lstrip().startswith("#"):
                break
            out.append(ln.lstrip()[1:].rstrip("\n"))
    return "\n".join(out)


def declared_bins(path: str | Path | None = None) -> int | None:
    """The number of energy bins the file's header declares ("in 9 energy bins"), or None.

    :func:`load_icecube12yr` refuses a file whose bins do not match it (a file cut at a bin
    boundary would otherwise load with fewer bins and no error).
    """
    path = Path(path) if path is not None else data_dir() / SPECTRUM_FILE
    m = re.search(r"\bin (\d+) energy bins\b", " ".join(read_header(path).split()))
    return int(m[1]) if m else None


def log10_errors(b: EnergyBin, ell, floor_dex: float = DIGITISATION_DEX) -> np.ndarray:
    """1-sigma errors in dex of the digitised C~_l of energy bin ``b`` at multipoles ``ell``.

    sqrt(floor^2 + stat^2), with ``floor_dex`` the digitisation precision and stat half the
    length of the visible statistical error bar in dex, the one visible side where only one
    shows, and 0 where the bar hides inside the marker (< ~0.11 dex, unknown).  A lower bound of
    the error of each point; the error model of every fit of the book.

    Parameters
    ----------
    b : EnergyBin
        One energy bin of :func:`load_icecube12yr`.
    ell : array_like
        Multipoles (1..40).
    floor_dex : float
        Digitisation precision (dex), > 0.

    Examples
    --------
    >>> b = load_icecube12yr().nearest(13.0)
    >>> [round(float(e), 3) for e in log10_errors(b, [1, 2])]
    [0.012, 0.012]
    """
    floor_dex = validate.positive("floor_dex", floor_dex, allow_array=False)
    if not isinstance(b, EnergyBin):
        raise TypeError(f"b must be an EnergyBin, got {type(b).__name__}")
    row = b.select(ell)
    C, lo, hi = row["C"], row["stat_lo"], row["stat_hi"]
    with np.errstate(invalid="ignore", divide="ignore"):
        dlo = np.where(np.isfinite(lo) & (lo > 0), np.log10(C / lo), np.nan)
        dhi = np.where(np.isfinite(hi), np.log10(hi / C), np.nan)
    both = np.isfinite(dlo) & np.isfinite(dhi)
    stat = np.where(both, 0.5 * (np.nan_to_num(dlo) + np.nan_to_num(dhi)),
                    np.where(np.isfinite(dlo), np.nan_to_num(dlo), np.where(np.isfinite(dhi), np.nan_to_num(dhi), 0.0)))
    return np.sqrt(floor_dex**2 + np.abs(stat) ** 2)


def pixels_per_decade(path: str | Path | None = None) -> float:
    """Vertical scale of the source figure, px per decade of C~_l, from the calibration line of
    the file's header ("y (log): 1e-6 at px 44, 1e-12 at px 294")."""
    path = Path(path) if path is not None else data_dir() / SPECTRUM_FILE
    m = re.search(r"y \(log\):?\s*([0-9.eE+-]+) at px (\d+),\s*([0-9.eE+-]+) at px (\d+)", read_header(path))
    if m is None:
        raise DataFormatError(path, 1, "no y-axis calibration 'y (log): V1 at px P1, V2 at px P2' in the header")
    v1, p1, v2, p2 = float(m[1]), int(m[2]), float(m[3]), int(m[4])
    return abs(p2 - p1) / abs(math.log10(v1 / v2))


def _rows(path: Path, columns: list[str]):
    """Yield (line number, dict) for the data rows of a CSV with '#' comment lines."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such data file")
    with open(path, newline="", encoding="utf-8-sig") as fh:   # a leading byte-order mark is accepted
        lines = list(enumerate(fh, start=1))
    body = [(n, ln) for n, ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not body:
        raise DataFormatError(path, len(lines) + 1 if lines else 1,
                              f"empty file: no header and no data rows ({len(lines)} line(s), all blank or comments)")
    n_head, head = body[0]
    header = [h.strip() for h in next(csv.reader([head]))]
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise DataFormatError(path, n_head, f"header repeats column(s) {dup}")
    missing = [c for c in columns if c not in header]
    if missing:
        bom = " (the file contains a byte-order mark, U+FEFF, inside the text)" if "\ufeff" in head else ""
        raise DataFormatError(path, n_head, f"header lacks column(s) {missing}{bom}")
    extra = [c for c in header if c not in columns]
    if extra:
        raise DataFormatError(path, n_head, f"unexpected column(s) {extra}")
    if len(body) == 1:
        raise DataFormatError(path, n_head, "no data rows after the header")
    for n, ln in body[1:]:
        vals = next(csv.reader([ln]))
        if len(vals) != len(header):
            raise DataFormatError(path, n, f"expected {len(header)} fields, found {len(vals)}")
        yield n, dict(zip(header, (v.strip() for v in vals)))


def _number(path, n, col, text, *, optional=False, positive=True):
    if text == "":
        if optional:
            return math.nan
        raise DataFormatError(path, n, f"column '{col}' is empty")
    try:
        v = float(text)
    except ValueError:
        raise DataFormatError(path, n, f"column '{col}' is not a number: {text!r}") from None
    if not math.isfinite(v):
        raise DataFormatError(path, n, f"column '{col}' is not finite: {text!r}")
    if positive and v <= 0:
        raise DataFormatError(path, n, f"column '{col}' must be > 0, got {text!r}")
    return v


def _ell(path, n, text) -> int:
    ell_f = _number(path, n, "ell", text, positive=False)
    if ell_f != int(ell_f) or not ELL_RANGE[0] <= ell_f <= ELL_RANGE[1]:
        raise DataFormatError(path, n, f"ell must be an integer in {list(ELL_RANGE)}, got {text!r}")
    return int(ell_f)


def _flag(path, n, col, text) -> bool:
    if text not in ("0", "1"):
        raise DataFormatError(path, n, f"{col} must be 0 or 1, got {text!r}")
    return text == "1"


def _check_order(path, n, v):
    """Consistency of one row: error bar and box around the point, noise bands nested."""
    C = v["C_tilde"]
    for lo, hi in (("stat_lo", "stat_hi"), ("box_lo", "box_hi")):
        if not math.isnan(v[lo]) and v[lo] > C:
            raise DataFormatError(path, n, f"{lo} = {v[lo]:g} lies above C_tilde = {C:g}")
        if not math.isnan(v[hi]) and v[hi] < C:
            raise DataFormatError(path, n, f"{hi} = {v[hi]:g} lies below C_tilde = {C:g}")
    for k in (1, 2, 3):
        if v[f"noise{k}sig_lo"] > v[f"noise{k}sig_hi"]:
            raise DataFormatError(path, n, f"noise{k}sig_lo > noise{k}sig_hi")
    for k in (1, 2):
        if v[f"noise{k}sig_hi"] > v[f"noise{k + 1}sig_hi"] or v[f"noise{k}sig_lo"] < v[f"noise{k + 1}sig_lo"]:
            raise DataFormatError(path, n, f"the {k}-sigma noise band is not inside the {k + 1}-sigma band")


def load_icecube12yr(path: str | Path | None = None) -> IceCubeSpectra:
    """Read and validate the digitised IceCube 12-year pseudo-power spectra.

    Checks: the documented columns; numbers where numbers belong; no NaN or infinity; C~_l and
    every band or box edge > 0; integer l in 1..40; one median energy per bin label; the rows of
    a bin contiguous, with l = 1, 2, ..., 40 in order (a duplicated or missing l is named with its
    line); error-bar and box ends on the right side of C~_l; noise bands nested (1 in 2 in 3
    sigma); bins in increasing median energy.
    """
    path = Path(path) if path is not None else data_dir() / SPECTRUM_FILE
    per_bin: dict[str, dict] = {}
    order: list[str] = []
    current = None   # label of the bin being read
    last_line = None

    def close(label, line):
        b = per_bin[label]
        if b["last_ell"] != ELL_RANGE[1]:
            raise DataFormatError(path, line, f"bin {label!r} ends at ell={b['last_ell']}: lacks ell "
                                              f"{list(range(b['last_ell'] + 1, ELL_RANGE[1] + 1))}")

    for n, row in _rows(path, SPECTRUM_COLUMNS):
        label = row["energy_label"]
        if not label:
            raise DataFormatError(path, n, "empty energy_label")
        energy = _number(path, n, "median_energy_TeV", row["median_energy_TeV"])
        ell = _ell(path, n, row["ell"])
        vals = {c: _number(path, n, c, row[c], optional=c in _OPTIONAL) for c in SPECTRUM_COLUMNS[3:-1]}
        clipped = _flag(path, n, "lo_clipped", row["lo_clipped"])
        _check_order(path, n, vals)
        b = per_bin.get(label)
        if label != current:
            if b is not None:
                raise DataFormatError(path, n, f"bin {label!r} appears again (first rows from line "
                                               f"{b['first_line']}): the rows of a bin must be contiguous")
            if current is not None:
                close(current, last_line)
                if energy <= per_bin[current]["energy"]:
                    raise DataFormatError(path, n, f"bin {label!r} ({energy:g} TeV) does not follow bin "
                                                   f"{current!r} ({per_bin[current]['energy']:g} TeV) in increasing energy")
            b = per_bin[label] = {"energy": energy, "rows": {}, "first_line": n, "last_ell": 0}
            order.append(label)
            current = label
        elif b["energy"] != energy:
            raise DataFormatError(path, n, f"bin {label!r} has median energy {energy:g} here but "
                                           f"{b['energy']:g} on line {b['first_line']}")
        if ell in b["rows"]:
            raise DataFormatError(path, n, f"duplicated row for bin {label!r}, ell={ell} "
                                           f"(first on line {b['rows'][ell]['line']})")
        if ell != b["last_ell"] + 1:
            if ell < b["last_ell"]:
                problem = f"ell={ell} after ell={b['last_ell']}: rows of bin {label!r} must be in increasing ell"
            else:
                problem = (f"bin {label!r} jumps from ell={b['last_ell']} to ell={ell}: lacks ell "
                           f"{list(range(b['last_ell'] + 1, ell))}")
            raise DataFormatError(path, n, problem)
        b["last_ell"] = ell
        b["rows"][ell] = {**vals, "lo_clipped": clipped, "line": n}
        last_line = n
    close(current, last_line)
    declared = declared_bins(path)
    if declared is not None and len(order) != declared:
        raise DataFormatError(path, last_line, f"the header declares {declared} energy bins but the file holds "
                                               f"{len(order)} ({order}): is it cut short?")

    bins = []
    for label in order:
        b = per_bin[label]
        ells = sorted(b["rows"])
        col = lambda c: np.array([b["rows"][l][c] for l in ells], dtype=float)  # noqa: E731
        bins.append(EnergyBin(
            label=label, median_energy_TeV=b["energy"], ell=np.array(ells), C=col("C_tilde"),
            stat_lo=col("stat_lo"), stat_hi=col("stat_hi"), box_lo=col("box_lo"), box_hi=col("box_hi"),
            noise_lo=np.array([col(f"noise{k}sig_lo") for k in (1, 2, 3)]),
            noise_hi=np.array([col(f"noise{k}sig_hi") for k in (1, 2, 3)]),
            lo_clipped=np.array([b["rows"][l]["lo_clipped"] for l in ells]),
        ))
    return IceCubeSpectra(bins=bins, source=path)


def load_crosscheck(path: str | Path | None = None) -> dict:
    """Read the independent reading of the C~_l-versus-energy figure (cross-check file).

    Returns a dict of arrays: energy_label, E_TeV (read off that figure's energy axis), ell,
    C_CEfig (this reading), marker_pixels, occluded (bool: marker partly hidden by another),
    C_GIF (the value of the main file), dlog10 = log10(C_CEfig / C_GIF) as tabulated, and
    ``line`` (line numbers).  Checks, besides types and signs, that the tabulated dlog10 equals
    log10(C_CEfig / C_GIF) to its rounding and that no (bin, l) repeats.
    """
    path = Path(path) if path is not None else data_dir() / CROSSCHECK_FILE
    out = {k: [] for k in ("energy_label", "E_TeV", "ell", "C_CEfig", "marker_pixels", "occluded", "C_GIF",
                           "dlog10", "line")}
    seen = {}
    for n, row in _rows(path, CROSSCHECK_COLUMNS):
        if not row["energy_label"]:
            raise DataFormatError(path, n, "empty energy_label")
        ell = _ell(path, n, row["ell"])
        key = (row["energy_label"], ell)
        if key in seen:
            raise DataFormatError(path, n, f"duplicated row for bin {key[0]!r}, ell={ell} (first on line {seen[key]})")
        seen[key] = n
        pixels = _number(path, n, "marker_pixels", row["marker_pixels"])
        if pixels != int(pixels):
            raise DataFormatError(path, n, f"marker_pixels must be an integer, got {row['marker_pixels']!r}")
        c_ce = _number(path, n, "C_tilde_CEfig", row["C_tilde_CEfig"])
        c_gif = _number(path, n, "C_tilde_GIF", row["C_tilde_GIF"])
        dlog = _number(path, n, "dlog10", row["dlog10"], positive=False)
        if abs(dlog - math.log10(c_ce / c_gif)) > _DLOG10_ROUNDING:
            raise DataFormatError(path, n, f"dlog10 = {dlog:+.3f} but log10(C_tilde_CEfig/C_tilde_GIF) = "
                                           f"{math.log10(c_ce / c_gif):+.4f}")
        out["energy_label"].append(row["energy_label"])
        out["E_TeV"].append(_number(path, n, "E_TeV_from_axis", row["E_TeV_from_axis"]))
        out["ell"].append(ell)
        out["C_CEfig"].append(c_ce)
        out["marker_pixels"].append(int(pixels))
        out["occluded"].append(_flag(path, n, "occluded", row["occluded"]))
        out["C_GIF"].append(c_gif)
        out["dlog10"].append(dlog)
        out["line"].append(n)
    return {k: np.array(v) for k, v in out.items()}


def match_crosscheck(spectra: IceCubeSpectra, cc: dict, *, path: str | Path | None = None) -> np.ndarray:
    """C~_l of ``spectra`` at each (energy_label, ell) of the cross-check rows ``cc``.

    Raises :class:`DataFormatError` naming the cross-check file ``path`` (default: the book's) and
    the line of a row whose bin label the spectra lack.
    """
    path = Path(path) if path is not None else data_dir() / CROSSCHECK_FILE
    lines = cc.get("line", np.arange(1, len(cc["ell"]) + 1))
    out = []
    for label, ell, line in zip(map(str, cc["energy_label"]), cc["ell"], lines):
        try:
            b = spectra[label]
        except KeyError:
            raise DataFormatError(path, int(line), f"bin {label!r} is not in {spectra.source.name}") from None
        out.append(b.select(int(ell))["C"][0])
    return np.array(out)


def digitisation_stats(cc: dict, *, include_occluded: bool = False) -> dict:
    """Agreement of the two independent readings: d = log10(C_CEfig / C_GIF) computed from the
    tabulated C~_l, over the unoccluded markers (all markers with ``include_occluded``).

    Returns n, mean, std (sample, ddof=1), rms and max_abs of d, in dex.
    """
    d = np.log10(np.asarray(cc["C_CEfig"], float) / np.asarray(cc["C_GIF"], float))
    if not include_occluded:
        d = d[~np.asarray(cc["occluded"], bool)]
    if d.size < 2:
        raise ValueError(f"cc must hold at least 2 usable markers, got {d.size}")
    return {"n": int(d.size), "mean": float(d.mean()), "std": float(d.std(ddof=1)),
            "rms": float(np.sqrt(np.mean(d**2))), "max_abs": float(np.abs(d).max())}


def header_facts(path: str | Path | None = None) -> dict:
    """The numbers the spectrum file's header states, read from its text: ``hidden_bar_dex``
    (the largest statistical error bar hidden inside a marker), ``period`` (of the data),
    ``marker_dex`` (the quoted precision of a marker centre), ``crosscheck`` (the quoted mean,
    scatter and maximum of log10(CEfig/GIF), dex) and ``marker_log10E`` (log10(E/GeV) of the
    cross-check figure's markers).  Raises :class:`DataFormatError` when one is missing.

    Examples
    --------
    >>> f = header_facts()
    >>> f["marker_dex"], f["crosscheck"], len(f["marker_log10E"])
    (0.012, (-0.006, 0.008, 0.023), 9)
    """
    path = Path(path) if path is not None else data_dir() / SPECTRUM_FILE
    text = " ".join(read_header(path).split())
    patterns = {
        "hidden_bar_dex": r"\|stat err\| < ~([0-9.]+) dex",
        "period": r"\((\w+ \d{4} - \w+ \d{4})\)",
        "marker_dex": r"\+-0\.5 px = \+-([0-9.]+) dex",
        "crosscheck": r"mean log10\(CEfig/GIF\) = ([-+0-9.]+) dex, scatter ([0-9.]+) dex, max ([0-9.]+) dex",
        "marker_log10E": r"log10\(E/GeV\) = ([0-9.,]+)",
    }
    found = {}
    for key, pat in patterns.items():
        m = re.search(pat, text)
        if m is None:
            raise DataFormatError(path, 1, f"the header does not state {key} (pattern {pat!r})")
        found[key] = m
    return {"hidden_bar_dex": float(found["hidden_bar_dex"][1]),
            "period": found["period"][1].replace(" - ", " to "),
            "marker_dex": float(found["marker_dex"][1]),
            "crosscheck": tuple(float(v) for v in found["crosscheck"].groups()),
            "marker_log10E": np.array([float(v) for v in found["marker_log10E"][1].rstrip(",").split(",")])}


def noise_summary(spectra: IceCubeSpectra, nsigma: int = 3, margin_dex: float = 0.05) -> dict:
    """Per energy bin, which multipoles stand above the ``nsigma`` noise band: ``ranges`` (runs
    of consecutive l), ``n_above``, ``contiguous_to`` (all l <= this are above; 0 when l = 1 is
    not), ``marginal`` (l within ``margin_dex`` of the band edge) and ``E_TeV``.

    Examples
    --------
    >>> s = noise_summary(load_icecube12yr(), 3, 0.05)
    >>> s["24 TeV"]["ranges"], s["24 TeV"]["contiguous_to"]
    ([(1, 40)], 40)
    """
    margin_dex = validate.nonnegative("margin_dex", margin_dex, allow_array=False)
    out = {}
    for b in spectra:
        runs = b.ell_ranges_above_noise(nsigma)
        first_gap = runs[0][1] + 1 if runs and runs[0][0] == b.ell[0] else int(b.ell[0])
        out[b.label] = dict(E_TeV=b.median_energy_TeV, ranges=runs, n_above=int(b.above_noise(nsigma).sum()),
                            contiguous_to=first_gap - 1,
                            marginal=b.ell[np.abs(b.noise_margin_dex(nsigma)) < margin_dex])
    return out


def rise_with_energy(spectra: IceCubeSpectra, ells, nsigma: int = 3) -> tuple[np.ndarray, list[int]]:
    """For each l of ``ells``: C~_l in the highest bin where it is above the ``nsigma`` noise
    band over C~_l in the lowest bin, and the index of that highest bin."""
    ratios, last = [], []
    for l in np.atleast_1d(validate.integer("ells", ells, minimum=ELL_RANGE[0])):
        cv = spectra.cl_vs_energy(int(l))
        above = np.flatnonzero(cv["C"] > cv["noise_hi"][nsigma - 1])
        if above.size == 0:
            raise ValueError(f"ell={l} is above the {nsigma}-sigma noise band in no bin")
        ratios.append(cv["C"][above[-1]] / cv["C"][0])
        last.append(int(above[-1]))
    return np.array(ratios), last
