"""What every model-backed tool backend shares: backend specs, loading once, devices, identity.

- ``specs``: ``generate_image=diffusers:/models/sd-turbo`` read from the API, the CLI's
  ``--backend`` and ``UNIMA_TOOL_BACKENDS``.
- ``loading``: a model loads once per process and is shared by every step and worker thread
  (one lock per model, never two copies); missing extras and folders are typed errors before a
  run starts; ``auto`` devices and dtypes; a model folder's fingerprint for the artifact cache.

The backends themselves live beside the procedural ones, in their tool's room
(``unima.tools.image.diffusion``, ``unima.tools.speech.coqui`` ...).
"""
