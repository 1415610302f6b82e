"""The shipped search spaces (YAML), packaged as `nas.search_spaces` so an installed nas finds them."""
