"""TMPO (HitEmotion's ToM-guided fine-tuning, issue 16): gold chains, rewards, SFT and GRPO.

Rooms: ``items`` (labelled HitEmotion items as training prompts), ``chains`` (gold chains from a
teacher), ``rewards`` (the four GRPO reward functions), ``trainers`` (SFT and GRPO with TRL and
peft, configuration, reproducibility). Heavy libraries (torch, transformers, trl, peft, datasets)
are imported inside functions: ``import unima.train`` stays light.
"""
