"""The operator console: the only package that imports Textual."""

import os

# Let frames follow each other every 1/120 s instead of Textual's 1/60: a key press waits for the
# next frame slot, so at 60 the frame clock alone added up to 16.7 ms to every key (p99 ~17 ms
# before any work). Frames are still drawn only when something changed. Must be set before
# Textual is imported; a user's own TEXTUAL_FPS wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
