"""The operator console: the only package that imports Textual."""

import os

# Let frames follow each other every 1/240 s instead of Textual's 1/60: a key press waits for the
# next frame slot, so the frame clock alone added up to 16.7 ms to every key at 60 and 8.3 ms at
# 120 (key -> frame p99 over the four scale rows, medians of five paired --quick runs: 120 fps
# 10.8 / 16.4 / 19.0 / 15.1 ms, 240 fps 8.2 / 10.7 / 12.4 / 13.4 ms). It costs no bytes: frames
# are drawn only when something changed, and traffic is batched at most 60 times a second (the
# terminal benchmark wrote the same per message at 60, 120 and 240). Must be set before Textual
# is imported; a user's own TEXTUAL_FPS wins.
os.environ.setdefault("TEXTUAL_FPS", "240")
