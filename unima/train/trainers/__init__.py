"""TMPO's two training stages with TRL and peft: SFT on gold chains, then GRPO with rewards.

``config`` (the ``CONFIG.yaml`` model), ``examples`` (chains and items as TRL datasets),
``models`` (loading a model folder, LoRA, merging, device and dtype), ``runs`` (stage folders,
resuming, the summary), ``records`` (the run record beside the checkpoint), ``sft`` and
``grpo`` (the stages). torch, transformers, trl, peft and datasets are imported inside
functions: importing this package stays light.
"""
