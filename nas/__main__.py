"""`python -m nas ...` is the same as `nas ...`."""
from nas.cli import main

main()
