"""Turning what a user passes into typed parts.

``request`` builds a ``Request`` from a string, a list of strings, paths, images and bytes, or a
UniM instance; ``parts`` makes one checked ``Part`` (file facts, sha256, bytes kept in a private
folder); ``paths`` confines paths to their folder and refuses links out; ``sniff`` and
``sniff_text`` tell a file's modality and format from its bytes, not its name.
"""
