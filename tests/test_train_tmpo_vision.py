"""TMPO's vision-language path (``vision: true``) on a tiny LLaVA built in the test (CPU).

The chains are the text tests' four MER items; three carry a PNG made here, the fourth only
words, so every SFT and GRPO batch of two items mixes a prompt with an image and one without
(the case real HitEmotion data has: some items are images, some only audio or video). A spy
on the LLaVA's image encoder counts the images each forward pass receives, which is how the
test knows the images reached the model and not just the dataset.

As in ``test_train_tmpo``, the tiny model is first taught the chain format by a full-weight
SFT (here with its images), so GRPO's samples are chains the rewards tell apart; then a LoRA
SFT of a few steps from it, and GRPO from that stage's merged ``final`` folder, which is how a
real run chains the stages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_train_tmpo import LoraWatch, changed
from tests.tiny_models.vision_lm import IMAGE_SIZE, IMAGE_TOKEN, IMAGE_TOKENS, save_tiny_vision_lm
from tests.tmpo_fixtures import chain_rows, write_config
from unima.train.trainers.config import load_config
from unima.train.trainers.records import RECORD_NAME

pytest.importorskip("trl")
pytestmark = pytest.mark.filterwarnings(
    "ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"
)
REWARD_NAMES = {"structure", "content", "process", "consistency"}
# The items that show an image, and its colour; MER/4 has none (its inputs stay words).
IMAGE_COLOURS = {"MER/1": (200, 30, 30), "MER/2": (240, 220, 40), "MER/3": (30, 60, 200)}


class ImageSpy:
    """Records the shape of the ``pixel_values`` every LLaVA forward pass encodes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from transformers.models.llava.modeling_llava import LlavaModel

        self.shapes: list[tuple[int, ...]] = []
        encode = LlavaModel.get_image_features

        def spy(model: Any, pixel_values: Any, *args: Any, **kwargs: Any) -> Any:
            self.shapes.append(tuple(pixel_values.shape))
            return encode(model, pixel_values, *args, **kwargs)

        monkeypatch.setattr(LlavaModel, "get_image_features", spy)

    def take(self) -> list[tuple[int, ...]]:
        """The shapes seen since the last call."""
        shapes, self.shapes = self.shapes, []
        return shapes


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Run torch on one thread: the tiny model's matrices are too small to split, and on a busy
    two-core machine a second thread made each step about forty times slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def write_image_chains(folder: Path) -> Path:
    """``folder/chains.jsonl`` with the fixture's rows, three of them showing a PNG image."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rows = chain_rows()
    for row in rows:
        colour = IMAGE_COLOURS.get(row["key"])
        if colour is not None:
            image = folder / f"{row['key'].replace('/', '_')}.png"
            Image.new("RGB", (48, 40), colour).save(image)
            row["media_json"] = json.dumps({"image1": str(image)})
    path = folder / "chains.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def tiny_vision_model(folder: Path) -> Path:
    """The tiny LLaVA, its tokenizer trained on the fixture's prompts and chains."""
    rows = chain_rows()
    return save_tiny_vision_lm(
        folder, texts=[row["prompt"] for row in rows] + [row["completion"] for row in rows]
    )


def image_logits(model: Any, processor: Any, colour: tuple[int, int, int]) -> Any:
    """The model's last-position logits for a one-image question about an image of ``colour``."""
    import torch
    from PIL import Image

    turn = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Feel?"}]}]
    text = processor.apply_chat_template(turn, add_generation_prompt=True)
    inputs = processor(
        text=[text], images=[[Image.new("RGB", (48, 40), colour)]], return_tensors="pt"
    )
    assert inputs["pixel_values"].shape == (1, 3, IMAGE_SIZE, IMAGE_SIZE)
    image_token = processor.tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    assert int((inputs["input_ids"] == image_token).sum()) == IMAGE_TOKENS
    with torch.no_grad():
        return model(**inputs).logits[0, -1]


def test_the_tiny_vision_model_reads_its_image(tmp_path: Path, one_thread: None) -> None:
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    folder = tiny_vision_model(tmp_path / "model")
    processor = AutoProcessor.from_pretrained(folder, local_files_only=True)
    model = AutoModelForImageTextToText.from_pretrained(folder, local_files_only=True)
    assert type(model).__name__ == "LlavaForConditionalGeneration"
    red, blue = (image_logits(model, processor, colour) for colour in ((200, 0, 0), (0, 0, 200)))
    assert not torch.allclose(red, blue)
    # Seeded: the same arguments give the same weights.
    again = AutoModelForImageTextToText.from_pretrained(
        tiny_vision_model(tmp_path / "again"), local_files_only=True
    )
    assert torch.equal(image_logits(again, processor, (200, 0, 0)), red)


@pytest.mark.slow
def test_vision_sft_then_grpo_train_on_the_items_images(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_thread: None
) -> None:
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from unima.train.trainers.grpo import train_grpo
    from unima.train.trainers.sft import train_sft

    model = tiny_vision_model(tmp_path / "model")
    chains = write_image_chains(tmp_path / "chains")
    spy = ImageSpy(monkeypatch)
    taught_path = write_config(
        tmp_path / "taught",
        model,
        chains,
        vision=True,
        lora={"enabled": False},
        sft={"max_steps": 100, "learning_rate": 3e-3, "batch_size": 4, "save_steps": 1000},
    )
    taught = train_sft(load_config(taught_path), config_path=taught_path)
    assert taught.last_loss < 1.0
    # Each batch of four holds the three images.
    assert set(spy.take()) == {(3, 3, IMAGE_SIZE, IMAGE_SIZE)}

    config_path = write_config(
        tmp_path / "tmpo",
        taught.final_dir,
        chains,
        vision=True,
        grpo={"max_completion_length": 48, "num_generations": 2, "temperature": 0.7},
    )
    watch = LoraWatch()
    sft = train_sft(load_config(config_path), config_path=config_path, callbacks=[watch])
    assert sft.steps == 3 and sft.examples == 4
    assert math.isfinite(sft.loss) and sft.loss > 0
    assert changed(watch) > 0
    # Batches of two: the item without an image shares one with an item that has one.
    seen = [shape[0] for shape in spy.take()]
    assert 1 in seen and set(seen) <= {1, 2}
    record = json.loads((sft.stage_dir / RECORD_NAME).read_text())
    assert record["status"] == "finished" and record["config"]["vision"] is True
    assert record["start_model"] == str(taught.final_dir)

    watch = LoraWatch()
    grpo = train_grpo(load_config(config_path), config_path=config_path, callbacks=[watch])
    assert grpo.steps == 2 and grpo.examples == 4
    assert math.isfinite(grpo.loss)
    assert set(grpo.reward_means) == REWARD_NAMES
    assert grpo.reward_means["structure"] > 0
    assert changed(watch) > 0
    # Two prompts of two samples a step over the four items: one step is two images and the
    # item without one (two encoded), the other two images (four encoded).
    assert {shape[0] for shape in spy.take()} == {2, 4}
    record = json.loads((grpo.stage_dir / RECORD_NAME).read_text())
    assert record["status"] == "finished" and record["start_model"] == str(sft.final_dir)
    assert set(record["result"]["reward_means"]) == REWARD_NAMES

    processor = AutoProcessor.from_pretrained(grpo.final_dir, local_files_only=True)
    final = AutoModelForImageTextToText.from_pretrained(grpo.final_dir, local_files_only=True)
    assert not (grpo.final_dir / "adapter_config.json").exists()
    red, blue = (image_logits(final, processor, colour) for colour in ((200, 0, 0), (0, 0, 200)))
    assert torch.isfinite(red).all() and not torch.allclose(red, blue)
