"""The build is strict and says why: a chapter with a broken identity fails and is named, the HTML
build refuses a failed or stale chapter, staleness is per chapter (an edited library module makes
stale only the chapters that import it), and parameters are checked before anything runs."""

import json
import shutil
import textwrap

import pytest

import book
import inputs
import parameters

PROBE = textwrap.dedent('''\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
        format_version: 0.13
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---

    # A probe chapter

    ```{code-cell} ipython3
    :tags: [parameters]

    wrong = True   # make the identity below false
    ```

    ```{code-cell} ipython3
    from cranisotropy.book.results import ChapterResults

    R = ChapterResults("probe")
    R.check("probe-identity", (1 + 1 == 3) if wrong else (1 + 1 == 2), "1 + 1 = 2")
    ```
    ''')


def test_broken_identity_fails_and_names_chapter_and_check(tmp_path):
    src = tmp_path / "probe.md"
    src.write_text(PROBE)
    build = tmp_path / "_build"
    with pytest.raises(book.ChapterFailed) as exc:
        book.execute_chapter("probe", src=src, build=build)
    msg = str(exc.value)
    assert "chapter 'probe'" in msg and "probe-identity" in msg and "CheckFailed" in msg
    status = json.loads((build / "status" / "probe.json").read_text())
    assert status["ok"] is False and not status["cached"]
    # the same chapter with the identity true passes (the check can fail *and* pass)
    book.execute_chapter("probe", {"wrong": False}, src=src, build=build)
    assert json.loads((build / "results" / "probe.json").read_text())["checks"]["probe-identity"]["passed"]
    # ... and its page says that it ran with a non-default parameter, showing the value used
    import nbformat

    nb = nbformat.read(book.staged_notebook(build, "probe"), as_version=4)
    notes = [c.source for c in nb.cells if c.cell_type == "markdown" and "non-default parameters" in c.source]
    assert notes and "`wrong = False` (default `True`)" in notes[0]
    pcell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "wrong = False   # this run; default: True" in pcell.source
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and all("remove-cell" in c.metadata["tags"] for c in injected)


def test_html_refuses_a_failed_or_missing_chapter(tmp_path):
    build = tmp_path / "_build"
    problems = book.stale_chapters(build=build)
    assert problems and all(p.endswith("not executed") for p in problems)
    (build / "status").mkdir(parents=True)
    (build / "staging" / "book").mkdir(parents=True)
    (build / "staging" / "book" / "diffusion.ipynb").write_text("{}")
    (build / "status" / "diffusion.json").write_text(json.dumps({"ok": False, "error": "cell 3: boom"}))
    assert "diffusion: its last execution failed (cell 3: boom)" in book.stale_chapters(build=build)
    with pytest.raises(SystemExit, match="cannot render"):
        book.html(build=build)


def _copy_repo(tmp_path):
    root = tmp_path / "repo"
    for sub in ("lib", "data", "book"):
        shutil.copytree(book.ROOT / sub, root / sub, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(book.ROOT / "requirements.txt", root / "requirements.txt")
    return root


def _keys(root):
    inputs.clear_cache()
    return {name: inputs.inputs_key(inputs.inputs(root / "book" / f"{name}.md", root=root))
            for name in book.chapters()}


def test_editing_one_module_makes_only_its_importers_stale(tmp_path):
    root = _copy_repo(tmp_path)
    before = _keys(root)
    importers = {name for name in book.chapters()
                 if "cranisotropy.diffusion" in inputs.chapter_modules(root / "book" / f"{name}.md", root / "lib")}
    assert importers and importers != set(book.chapters()), importers
    mod = root / "lib" / "cranisotropy" / "diffusion.py"
    mod.write_text(mod.read_text() + "\n# an edit\n")
    after = _keys(root)
    changed = {n for n in before if before[n] != after[n]}
    assert changed == importers
    # data: editing the measured spectra makes stale exactly the chapters whose modules read them
    readers = {name for name in book.chapters()
               if any(f.startswith("data/icecube12yr/") for f in
                      inputs.inputs(root / "book" / f"{name}.md", root=root)["files"])}
    csv = root / "data" / "icecube12yr" / "pseudo_power_spectrum_digitized.csv"
    csv.write_text(csv.read_text() + "\n")
    changed = {n for n, k in _keys(root).items() if k != after[n]}
    assert readers and changed == readers
    # the parameters are part of the key
    src = root / "book" / "diffusion.md"
    assert inputs.inputs_key(inputs.inputs(src, {"Omega": 5.0}, root=root)) != after["diffusion"]


def test_import_graph_follows_imports_inside_functions(tmp_path):
    lib = tmp_path / "lib"
    pkg = lib / "cranisotropy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from . import b\n    return b\n")
    (pkg / "b.py").write_text("from .sub import c\n")
    (pkg / "sub" / "c.py").write_text("from .. import d\n__data__ = ('x.csv',)\n")
    (pkg / "d.py").write_text("import numpy\n")
    (pkg / "e.py").write_text("")
    closure = inputs.module_closure({"cranisotropy.a"}, lib)
    assert closure == {"cranisotropy", "cranisotropy.a", "cranisotropy.b", "cranisotropy.sub",
                       "cranisotropy.sub.c", "cranisotropy.d"}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("1")
    assert inputs.chapter_data(sorted(closure), tmp_path / "data", lib) == [tmp_path / "data" / "x.csv"]


CELL = """\
Omega = 2.0            # [> 0] gyro-frequency
nsigma = 3             # [1..3] noise band
f_sky = 1 / 3          # [0 < ... see below] sky fraction
times = [0.0, 0.5]     # [>= 0] times
method = "quad"        # [quad|series] how
lo, hi = 1e-2, 1e2     # range of the figure [deg]
ells = list(range(3, 6))   # multipoles
"""


def test_parameters_are_read_typed_and_constrained():
    p = parameters.declared(CELL)
    assert list(p) == ["Omega", "nsigma", "f_sky", "times", "method", "lo", "hi", "ells"]
    assert p["f_sky"].default == pytest.approx(1 / 3) and p["f_sky"].constraint is None
    assert p["ells"].default == [3, 4, 5] and p["hi"].default == 100.0
    assert p["lo"].constraint is None          # "[deg]" is a unit, not a constraint
    ok = parameters.validate({"Omega": 5, "nsigma": 2, "times": [1, 2.5], "method": "series",
                              "f_sky": parameters.parse_value("1/4")}, p, "x")
    assert ok == {"Omega": 5.0, "nsigma": 2, "times": [1, 2.5], "method": "series", "f_sky": 0.25}
    bad = [({"Omega": parameters.parse_value("five")}, "takes a real number"),
           ({"Omega": parameters.parse_value("-5")}, "must satisfy \\[> 0\\]"),
           ({"nsigma": 4}, "not in 1..3"), ({"nsigma": 2.5}, "takes an integer"),
           ({"times": [-1.0]}, "not >= 0"), ({"method": "guess"}, "not one of"),
           ({"ells": [3.5]}, "list of integers"), ({"Omgea": 1.0}, "its parameters are: Omega, nsigma")]
    for req, match in bad:
        with pytest.raises(parameters.ParameterError, match=match):
            parameters.validate(req, p, "x")


def test_command_line_parameters_are_checked_before_anything_runs(capsys):
    with pytest.raises(SystemExit, match="takes a real number"):
        book.main(["execute", "--chapter", "diffusion", "-p", "Omega", "five"])
    with pytest.raises(SystemExit, match="declares a parameter 'Omaga'.*Omega"):
        book.main(["execute", "--chapter", "diffusion", "-p", "Omaga", "5"])
