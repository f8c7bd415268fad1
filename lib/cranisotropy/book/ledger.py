"""The claims ledger: every claim of both papers that a chapter tested, with its measured verdict.

Chapters record claims with :meth:`cranisotropy.results.ChapterResults.claim`; this module
collects them from ``_build/results/*.json`` and checks them: each verdict must follow from its
own numbers (:func:`cranisotropy.results.validate_claim`), ids must be unique, and every claim in
:data:`REQUIRED` must have a record.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from . import paths
from .results import PAPERS, VERDICTS, validate_claim

#: Claims the book must test (issue "A claims ledger"); more may be recorded.
REQUIRED = {
    "ahlers2014-eq5-eigenvalues": "Eq. 5: eigenvalues 1/3nu and 1/3(nu +- i Omega)",
    "ahlers2014-eq6-as-printed": "Eq. 6 as printed (flag F1)",
    "ahlers2014-eq13-sum-rule": "Eq. 13, the sum rule (analytically / area-preserving remapping)",
    "ahlers2014-eq13-hierarchy": "Eq. 13 in the multipole hierarchy (flag F3)",
    "ahlers2014-eq13-testparticle": "Eq. 13 in the test-particle experiment",
    "ahlers2014-eq20-as-printed": "Eq. 20 as printed (flag F2)",
    "ahlers2014-eq21-limit": "Eq. 21 as the T -> infinity limit of Eq. 20",
    "ahlers2014-l-gt-5-eq21": "'l > 5 well described by Eq. 21' on data",
    "ahlers2014-partial-sky-variance": "the partial-sky variance estimate 2/((2l+1) f_sky)",
    "ahlers2014-ratios-nu-independent": "the ratios C_l/C_1 are independent of nu",
    "zhang-liu2024-slope": "C_l ~ l^(-gamma-1) for l >> 1",
    "zhang-liu2024-eq7-closed-form": "the Eq. 7 closed form",
    "zhang-liu2024-m-independence": "m-independence (Eq. 11)",
    "zhang-liu2024-kolmogorov-fit-20kms": "Kolmogorov fit with about 20 km/s on the scale of 10 pc",
    "zhang-liu2024-energy-scaling": "the energy scaling of C_l",
    "zhang-liu2024-fig4-turnover-not-seen": "the SNR-injection turnover of Fig. 4 does not match the data",
}


def collect(results_dir: Path | None = None) -> list[dict]:
    """All claim records of all chapters' results files, in file order."""
    folder = Path(results_dir) if results_dir else paths.results_dir()
    records = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        for rec in data.get("claims", []):
            records.append(rec)
    return records


def problems(records: list[dict], required=REQUIRED) -> list[str]:
    """Everything wrong with a set of claim records (empty: the ledger is sound)."""
    out = []
    for rec in records:
        out.extend(validate_claim(rec))
    counts = Counter(r.get("id") for r in records)
    out.extend(f"{cid}: recorded {n} times" for cid, n in counts.items() if n > 1)
    out.extend(f"{cid}: required claim has no record ({what})" for cid, what in required.items() if cid not in counts)
    return out


def summary(records: list[dict]) -> dict:
    """paper -> verdict -> count."""
    table = {p: {v: 0 for v in VERDICTS} for p in PAPERS}
    for r in records:
        if r.get("paper") in table and r.get("verdict") in VERDICTS:
            table[r["paper"]][r["verdict"]] += 1
    return table
