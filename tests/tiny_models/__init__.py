"""Tiny random models the tests build and save themselves (no downloads), one module per family.

Each builder writes a folder in the layout the real model's library saves (``save_pretrained``)
so unima's loading code runs exactly as it would on a real model; the outputs are noise, which
is what the tests need: the plumbing, not the picture.
"""
