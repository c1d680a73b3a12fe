"""Design studies for notebook experiments: scripts that measure at many seeds what a notebook
will claim at one (run as modules, e.g. `python -m tools.research.explosion`)."""
