"""The judging protocols of ``unima eval unim`` and the caption provenance label: no heavy imports.

- ``unim`` (default): what the released UniM code sends its judges. SC compares the captioned
  prediction with the captioned reference without the request; HC and SH come from one call on
  the captioned response alone; bare ``<image>`` tags are accepted as placeholders.
- ``unima``: unima's variant. SC also sees the request; HC and SH are two calls that also see
  the request and the item list; only numbered tags are placeholders.

docs/metrics.md ("Judges and provenance") shows what each sends.
"""

from __future__ import annotations

from typing import Any

from unima.errors import ConfigError

PROTOCOLS: tuple[str, ...] = ("unim", "unima")
DEFAULT_PROTOCOL = "unim"
# What reports call captions made without a captioner model, so nobody takes them for the
# official vision captions.
OFFLINE_CAPTIONS = "perception captions (offline)"


def check_protocol(protocol: Any) -> str:
    """``protocol`` (``None``: ``DEFAULT_PROTOCOL``), lower-cased, if it is known.

    Raises:
        ConfigError: For an unknown protocol name.
    """
    name = DEFAULT_PROTOCOL if protocol is None else str(protocol).strip().lower()
    if name not in PROTOCOLS:
        raise ConfigError(
            f"unknown judging protocol {protocol!r}; use one of: {', '.join(PROTOCOLS)}"
        )
    return name
