"""The operator console: the only package that imports Textual."""
