"""View models drawn with rich, for terminals (and rich's HTML export of tables)."""
