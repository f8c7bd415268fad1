"""Sphinx extension of this book: keep the pages self-contained and the console clean.

* Jupyter Book 1 always loads ``sphinx_thebe``, which writes its CDN URL into every page (and, in
  this version, declares it twice, a console error). The book has no live-code launch, so the
  thebe scripts are dropped from every page.
* Wide display equations scroll sideways instead of being clipped (``book/_static/book.css``).
* The theme's colour mode defaults to ``light`` on a first visit (an empty mode is a console error).
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
    app.connect("builder-inited", _static)
    app.add_css_file("book.css")
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("doctree-read", _latex_tags)
    app.add_js_file(None, body=_MODE_JS, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
