"""Renderers: they format view models for one medium each and decide nothing else."""
