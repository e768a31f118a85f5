"""Readers: cheap, bounded, model-free readers of each family of files.

Each reader fills ``Findings`` from a file without any model: ``text`` (bounded text reads),
``code`` (an ast or pygments outline), ``documents`` (CSV/TSV, Markdown, PDF, DOCX, XLSX),
``media`` (Pillow for images, one bounded ``ffmpeg -i`` probe for audio and video) and
``meshes`` (vertex and face counts from headers or a bounded scan). They are the first step of
the full perceivers (``ImagePerceiver`` opens an image with ``describe_image`` before OCR,
``MeshPerceiver`` refuses a lying header with ``describe_mesh`` before trimesh), and they refuse
hostile files (bombs, lying headers, DOCTYPEs in OOXML) before any heavier decoder sees them.

``minimal`` wraps each reader alone as a perceiver (``MinimalImagePerceiver`` ...): the
fallback when nothing richer is registered, and the one the ``text`` modality uses.
"""
