"""nas: neural architecture search over a small YAML space language, on Optuna and PyTorch.

The package is usable as a library; `nas.cli` is a thin Typer front over it.
Heavy modules (torch, optuna) are imported by the submodules that need them, never here,
so that `nas --help` stays instant.
"""
__version__ = "0.1.0"
