"""``unima train ...``: TMPO fine-tuning (issue 16).

``chains`` asks a teacher for gold Theory-of-Mind reasoning chains on labelled HitEmotion items;
``tmpo --stage sft`` fine-tunes a causal language model on them, ``tmpo --stage grpo`` optimises
it further with GRPO and process-level rewards. The machinery lives in ``unima.train``; the
commands import it lazily so ``unima --help`` stays light.
"""

from __future__ import annotations

import typer

train_app = typer.Typer(
    help="TMPO: gold ToM chains from a teacher, then SFT and GRPO fine-tuning.",
    no_args_is_help=True,
)
