"""Thin shim so that `python cli.py ...` does exactly what `nas ...` does."""
from nas.cli import main

if __name__ == "__main__":
    main()
