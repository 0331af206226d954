"""distillery_compute: the model math of distillery, driven by the TypeScript
services as child processes that report JSON lines on stdout (see progress.py).

    python -m distillery_compute info     # what compute is available, one JSON line
"""

__version__ = "0.1.0"
