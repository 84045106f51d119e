"""Tools of the repository, run from its root (``python -m tools.NAME``, as the Makefile
does): not part of the library ``hadalib``."""
