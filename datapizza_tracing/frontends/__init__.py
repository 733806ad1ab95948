"""Where users meet the package: the context manager and handle, the terminal, the notebook."""
