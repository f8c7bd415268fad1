"""Sphinx extension of this book: keep the pages self-contained and the console clean.

* Jupyter Book 1 always loads ``sphinx_thebe``, which writes its CDN URL into every page (and, in
  this version, declares it twice, a console error). The book has no live-code launch, so the
  thebe scripts are dropped from every page.
* Wide display equations scroll sideways instead of being clipped (``book/_static/book.css``).
* The theme's colour mode defaults to ``light`` on a first visit (an empty mode is a console error).
* Citations read as physicists write them: "Abbasi et al. (2025)" for an author list that ends in
  BibTeX's ``and others`` (sphinxcontrib-bibtex writes "Abbasi and others"), and the bibliography
  is labelled and sorted by author and year (style ``book``, registered with pybtex here) instead
  of alpha labels such as "[HGorskiN+02]".
* LaTeX (``make pdf``): a displayed equation that carries the paper's own number as ``\\tag{n}``
  is written as ``equation*`` with the tag outside the ``split`` environment that Sphinx wraps
  around display maths (amsmath does not allow ``\\tag`` inside ``split``).
"""

import re

_TAG = re.compile(r"\\tag\*?\{[^{}]*\}")


def _latex_tags(app, doctree):
    """For the LaTeX builder: move ``\\tag{..}`` out of Sphinx's ``split`` wrapper."""
    if app.builder.format != "latex":
        return
    from docutils import nodes

    for node in doctree.findall(nodes.math_block):
        latex = node.astext()
        tags = _TAG.findall(latex)
        if not tags or node.get("nowrap"):
            continue
        body = _TAG.sub("", latex).strip()
        label = ""
        if node.get("label"):    # a labelled equation keeps its anchor
            label = "\\label{equation:%s:%s}" % (node.get("docname", ""), node["label"])
        text = ("\\begin{equation*}\\begin{split}" + body + "\\end{split}" + tags[0] + label
                + "\\end{equation*}")
        new = nodes.math_block(text, text, nowrap=True, number=None, label=None,
                               docname=node.get("docname"))
        new["xml:space"] = "preserve"
        node.replace_self(new)



def _register_citation_styles():
    import pybtex.plugin
    from pybtex.richtext import Text
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle
    from pybtex.style.template import FieldIsMissing, node
    import sphinxcontrib.bibtex.style.referencing as referencing
    import sphinxcontrib.bibtex.style.template as template

    def _others(person) -> bool:
        return str(person).strip().lower() == "others"

    @node
    def names(children, data, role, **kwargs):
        """As sphinxcontrib-bibtex's ``names``, but a list ending in ``others`` reads "X et al."."""
        assert not children
        try:
            persons = data["entry"].persons[role]
        except KeyError:
            raise FieldIsMissing(role, data["entry"]) from None
        style = data["style"]
        real = [p for p in persons if not _others(p)]
        formatted = [style.person.style_plugin.format(p, style.person.abbreviate) for p in real]
        if len(real) < len(persons):
            return template.join(sep="")[formatted[0], kwargs.get("other") or Text(" et al.")].format_data(data)
        return template.join(**kwargs)[formatted].format_data(data)

    referencing.names = names
    template.names = names

    class AuthorYearLabels(BaseLabelStyle):
        """Bibliography labels "Górski et al. 2005", "Ahlers 2014", "Zhang & Liu 2024"."""

        def format_labels(self, sorted_entries):
            for entry in sorted_entries:
                persons = entry.persons.get("author") or entry.persons.get("editor") or []
                real = [p for p in persons if not _others(p)]
                last = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in real] or \
                       [entry.fields.get("key", entry.key)]
                if len(real) >= 3 or len(real) < len(persons):
                    who = f"{last[0]} et al."
                elif len(real) == 2:
                    who = f"{last[0]} & {last[1]}"
                else:
                    who = last[0]
                yield f"{who} {entry.fields.get('year', '')}".strip()

    from pybtex.style import template as pybtex_template

    @node
    def names_et_al(children, context, role, **kwargs):
        """pybtex's ``names`` for the bibliography, with ``and others`` written "et al."."""
        try:
            persons = context["entry"].persons[role]
        except KeyError:
            raise FieldIsMissing(role, context["entry"]) from None
        style = context["style"]
        real = [p for p in persons if not _others(p)]
        text = pybtex_template.join(**kwargs)[
            [style.format_name(p, style.abbreviate_names) for p in real]].format_data(context)
        return Text(text, " et al.") if len(real) < len(persons) else text

    class BookStyle(UnsrtStyle):
        default_label_style = "book-author-year"
        default_sorting_style = "author_year_title"

        def format_names(self, role, as_sentence=True):
            formatted = names_et_al(role, sep=", ", sep2=" and ", last_sep=", and ")
            return pybtex_template.sentence[formatted] if as_sentence else formatted

    for kind, name, cls in (("pybtex.style.labels", "book-author-year", AuthorYearLabels),
                            ("pybtex.style.formatting", "book", BookStyle)):
        pybtex.plugin.register_plugin(kind, name, cls, force=True)


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    keep = []
    for js in scripts:
        body = getattr(js, "attributes", {}).get("body", "") or ""
        name = str(getattr(js, "filename", js) or "")
        if "THEBE_JS_URL" in body or name.endswith("sphinx-thebe.js") or "unpkg.com/thebe" in name:
            continue
        keep.append(js)
    context["script_files"] = keep


# The theme reads the colour mode from localStorage and reports an empty one (a first visit) as
# a console error; this inline script runs before the theme's deferred script.
_MODE_JS = "if (!document.documentElement.dataset.mode) { document.documentElement.dataset.mode = 'light'; }"


def _static(app):
    """Ship book/_static (the book's CSS) with the pages."""
    import os
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "_static")
    app.config.html_static_path = list(app.config.html_static_path) + [os.path.normpath(here)]


def setup(app):
    _register_citation_styles()
    app.connect("builder-inited", _static)
    app.add_css_file("book.css")
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("doctree-read", _latex_tags)
    app.add_js_file(None, body=_MODE_JS, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
