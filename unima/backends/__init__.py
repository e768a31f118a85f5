"""Embedded media backends shared by tools and perception.

Each module wraps one library or binary behind a small, typed, thread-safe API: ``ffmpeg``
(probing, decoding, encoding through the imageio-ffmpeg binary), ``piper_voice`` (neural speech
synthesis) and ``whisper`` (faster-whisper transcription and word error rate). Heavy imports
happen inside the functions that need them, and models load once per process on first use, so
importing this package costs nothing.
"""
