"""A stand-in for torchcodec in the real-Coqui test subprocess only (see tests/stubs/README.md):
coqui-tts only checks that it can be found."""
