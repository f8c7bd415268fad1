"""The IceCube 12-year angular pseudo-power spectra (Abbasi et al. 2025), digitised.

``load_icecube12yr()`` reads ``data/icecube12yr/pseudo_power_spectrum_digitized.csv`` into an
:class:`IceCubeSpectra`: nine energy bins, each an :class:`EnergyBin` with l = 1..40, the
pseudo-power C~_l (dimensionless; relative-intensity map, partial sky, not corrected for sky
coverage), the statistical error-bar ends where visible (NaN where hidden by the marker), the
shaded box around each point, and the 1/2/3-sigma isotropic-noise bands.  See
``data/icecube12yr/README.md`` for the source, the method and the precision (markers
+-0.012 dex).  ``load_crosscheck()`` reads the independent reading of the C~_l-versus-energy
figure.

Every malformed file raises :class:`DataFormatError` naming the file, the line and the problem.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import paths, validate

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


class DataFormatError(ValueError):
    """A data file does not have the documented format; the message names file, line, problem."""


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

    def above_noise(self, nsigma: int = 3) -> np.ndarray:
        """Boolean mask: C~_l above the upper edge of the ``nsigma`` (1, 2 or 3) noise band."""
        nsigma = validate.integer("nsigma", nsigma, minimum=1, allow_array=False)
        if nsigma > 3:
            raise ValueError(f"nsigma must be 1, 2 or 3, got {nsigma}")
        return self.C > self.noise_hi[nsigma - 1]

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

    def __getitem__(self, label: str) -> EnergyBin:
        for b in self.bins:
            if b.label == label:
                return b
        raise KeyError(f"no energy bin {label!r}; bins: {self.labels}")

    def __iter__(self):
        return iter(self.bins)

    def __len__(self):
        return len(self.bins)


def _rows(path: Path, columns: list[str]):
    """Yield (line number, dict) for the data rows of a CSV with '#' comment lines."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such data file")
    with open(path, newline="") as fh:
        lines = list(enumerate(fh, start=1))
    body = [(n, ln) for n, ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not body:
        raise DataFormatError(f"{path}: empty file (no header, no data rows)")
    n_head, head = body[0]
    header = next(csv.reader([head]))
    header = [h.strip() for h in header]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataFormatError(f"{path}:{n_head}: header lacks column(s) {missing}")
    extra = [c for c in header if c not in columns]
    if extra:
        raise DataFormatError(f"{path}:{n_head}: unexpected column(s) {extra}")
    if len(body) == 1:
        raise DataFormatError(f"{path}: no data rows after the header (line {n_head})")
    for n, ln in body[1:]:
        vals = next(csv.reader([ln]))
        if len(vals) != len(header):
            raise DataFormatError(f"{path}:{n}: expected {len(header)} fields, found {len(vals)}")
        yield n, dict(zip(header, (v.strip() for v in vals)))


def _number(path, n, col, text, *, optional=False, positive=True):
    if text == "":
        if optional:
            return math.nan
        raise DataFormatError(f"{path}:{n}: column '{col}' is empty")
    try:
        v = float(text)
    except ValueError:
        raise DataFormatError(f"{path}:{n}: column '{col}' is not a number: {text!r}") from None
    if not math.isfinite(v):
        raise DataFormatError(f"{path}:{n}: column '{col}' is not finite: {text!r}")
    if positive and v <= 0:
        raise DataFormatError(f"{path}:{n}: column '{col}' must be > 0, got {text!r}")
    return v


def load_icecube12yr(path: str | Path | None = None) -> IceCubeSpectra:
    """Read and validate the digitised IceCube 12-year pseudo-power spectra.

    Checks: the documented columns; numbers where numbers belong; no NaN or infinity; C~_l and
    every band or box edge > 0; integer l in 1..40; one median energy per bin label; no
    duplicated (bin, l) row; each bin complete with l = 1..40 in order; bins ordered by energy.
    """
    path = Path(path) if path is not None else paths.data_dir() / SPECTRUM_FILE
    per_bin: dict[str, dict] = {}
    order: list[str] = []
    for n, row in _rows(path, SPECTRUM_COLUMNS):
        label = row["energy_label"]
        if not label:
            raise DataFormatError(f"{path}:{n}: empty energy_label")
        energy = _number(path, n, "median_energy_TeV", row["median_energy_TeV"])
        ell_f = _number(path, n, "ell", row["ell"])
        if ell_f != int(ell_f) or not ELL_RANGE[0] <= ell_f <= ELL_RANGE[1]:
            raise DataFormatError(f"{path}:{n}: ell must be an integer in {ELL_RANGE}, got {row['ell']!r}")
        ell = int(ell_f)
        vals = {c: _number(path, n, c, row[c], optional=c in _OPTIONAL) for c in SPECTRUM_COLUMNS[3:-1]}
        clipped = row["lo_clipped"]
        if clipped not in ("0", "1"):
            raise DataFormatError(f"{path}:{n}: lo_clipped must be 0 or 1, got {clipped!r}")
        b = per_bin.get(label)
        if b is None:
            b = per_bin[label] = {"energy": energy, "rows": {}, "first_line": n}
            order.append(label)
        elif b["energy"] != energy:
            raise DataFormatError(f"{path}:{n}: bin {label!r} has median energy {energy} here but "
                                  f"{b['energy']} on line {b['first_line']}")
        if ell in b["rows"]:
            raise DataFormatError(f"{path}:{n}: duplicated row for bin {label!r}, ell={ell} "
                                  f"(first on line {b['rows'][ell]['line']})")
        b["rows"][ell] = {**vals, "lo_clipped": clipped == "1", "line": n}
    bins = []
    for label in order:
        b = per_bin[label]
        ells = sorted(b["rows"])
        expected = list(range(ELL_RANGE[0], ELL_RANGE[1] + 1))
        if ells != expected:
            missing = sorted(set(expected) - set(ells))
            raise DataFormatError(f"{path}: bin {label!r} (from line {b['first_line']}) lacks ell {missing}")
        col = lambda c: np.array([b["rows"][l][c] for l in ells], dtype=float)  # noqa: E731
        bins.append(EnergyBin(
            label=label, median_energy_TeV=b["energy"], ell=np.array(ells), C=col("C_tilde"),
            stat_lo=col("stat_lo"), stat_hi=col("stat_hi"), box_lo=col("box_lo"), box_hi=col("box_hi"),
            noise_lo=np.array([col(f"noise{k}sig_lo") for k in (1, 2, 3)]),
            noise_hi=np.array([col(f"noise{k}sig_hi") for k in (1, 2, 3)]),
            lo_clipped=np.array([b["rows"][l]["lo_clipped"] for l in ells]),
        ))
    energies = [b.median_energy_TeV for b in bins]
    if energies != sorted(energies) or len(set(energies)) != len(energies):
        raise DataFormatError(f"{path}: energy bins must have distinct median energies in increasing order, got {energies}")
    return IceCubeSpectra(bins=bins, source=path)


def load_crosscheck(path: str | Path | None = None) -> dict:
    """Read the independent reading of the C~_l-versus-energy figure (cross-check file).

    Returns a dict of arrays: energy_label, E_TeV, ell, C_CEfig, marker_pixels, occluded (bool),
    C_GIF, dlog10 = log10(C_CEfig / C_GIF).
    """
    path = Path(path) if path is not None else paths.data_dir() / CROSSCHECK_FILE
    out = {k: [] for k in ("energy_label", "E_TeV", "ell", "C_CEfig", "marker_pixels", "occluded", "C_GIF", "dlog10")}
    seen = {}
    for n, row in _rows(path, CROSSCHECK_COLUMNS):
        ell_f = _number(path, n, "ell", row["ell"])
        if ell_f != int(ell_f) or not ELL_RANGE[0] <= ell_f <= ELL_RANGE[1]:
            raise DataFormatError(f"{path}:{n}: ell must be an integer in {ELL_RANGE}, got {row['ell']!r}")
        key = (row["energy_label"], int(ell_f))
        if key in seen:
            raise DataFormatError(f"{path}:{n}: duplicated row {key} (first on line {seen[key]})")
        seen[key] = n
        if row["occluded"] not in ("0", "1"):
            raise DataFormatError(f"{path}:{n}: occluded must be 0 or 1, got {row['occluded']!r}")
        out["energy_label"].append(row["energy_label"])
        out["E_TeV"].append(_number(path, n, "E_TeV_from_axis", row["E_TeV_from_axis"]))
        out["ell"].append(int(ell_f))
        out["C_CEfig"].append(_number(path, n, "C_tilde_CEfig", row["C_tilde_CEfig"]))
        out["marker_pixels"].append(_number(path, n, "marker_pixels", row["marker_pixels"]))
        out["occluded"].append(row["occluded"] == "1")
        out["C_GIF"].append(_number(path, n, "C_tilde_GIF", row["C_tilde_GIF"]))
        out["dlog10"].append(_number(path, n, "dlog10", row["dlog10"], positive=False))
    return {k: np.array(v) for k, v in out.items()}
