"""Sphinx configuration: the API reference, built from the numpydoc docstrings.

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import evornn

project = "evornn"
author = "the evornn developers"
release = evornn.__version__
extensions = ["sphinx.ext.autodoc", "numpydoc", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_typehints = "none"  # numpydoc's "Parameters" sections carry the types
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
html_theme = "alabaster"
suppress_warnings = ["myst.header"]
