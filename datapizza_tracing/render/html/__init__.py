"""View models as self-contained HTML for notebooks: the static snapshot and the live view."""
