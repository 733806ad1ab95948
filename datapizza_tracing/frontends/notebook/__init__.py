"""IPython and Jupyter: the %%trace magic, the live widget, the static snapshot, the history magics."""
