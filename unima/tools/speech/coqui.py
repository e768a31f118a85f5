"""``synthesize_speech`` with the Coqui backend: a script spoken by a local Coqui TTS model.

Spec: ``synthesize_speech=coqui:/models/vits-ljspeech``, a folder holding a Coqui model's
``config.json`` and checkpoint (``model.pth``, ``model_file.pth`` or ``best_model.pth``), with
``speakers.json`` / ``speaker_ids.json`` / ``language_ids.json`` beside it for multi-speaker or
multilingual models (VITS, YourTTS, XTTS: XTTS folders also hold ``vocab.json`` and
``speakers_xtts.pth``). The model loads through coqui-tts' path API (``TTS.api.TTS(model_path=,
config_path=)``) once per process (``SHARED_MODELS``); the speaker and language come from
``Settings.speech_speaker`` / ``speech_language``, the device from ``Settings.model_device``.

The clip is checked exactly as the Piper voice's is (``checks.verify_speech``): decoded, measured
and transcribed back, its word error rate against the script under ``speech_max_wer``.

coqui-tts imports torchaudio (and, from torch 2.9, needs torchcodec), which must be built for the
installed torch; a mismatched build is installed but cannot load, so ``check_ready`` imports the
library for real and turns the failure into a ``ConfigError`` that carries the loader's reason.
"""

from __future__ import annotations

import importlib
import json
import re
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from unima.backends import ffmpeg
from unima.config import Settings
from unima.errors import ConfigError, ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import ensure_arguments, library_versions
from unima.tools.models.loading import (
    LoadedModel,
    ModelFolder,
    model_record,
    require_folder,
    require_module,
    resolve_device,
    settings_read,
)
from unima.tools.speech.arguments import SpeechArguments
from unima.tools.speech.checks import DEFAULT_MAX_WER, verify_speech
from unima.tools.speech.tool import MIME_TYPES
from unima.types import Modality, Verification

FEATURE = "the Coqui speech backend"
EXTRA = "coqui"
CHECKPOINT_NAMES = ("model.pth", "model_file.pth", "best_model.pth", "model_file.pth.tar")
FOLDER_HOLDS = (
    "a Coqui TTS model folder: config.json and a checkpoint named "
    + ", ".join(CHECKPOINT_NAMES)
    + "; speakers.json / language_ids.json beside them for multi-speaker or multilingual models"
)
SPEAKER_SETTING = "speech_speaker (UNIMA_SPEECH_SPEAKER)"
LANGUAGE_SETTING = "speech_language (UNIMA_SPEECH_LANGUAGE)"
# A config names its side files by the absolute path they had where the model was trained or
# downloaded; in a copied folder they are found again by name, as coqui-tts' own model manager
# does after a download (``ModelManager._update_paths``), under these fields and default names.
SIDE_FILES: dict[str, tuple[str, ...]] = {
    "speakers_file": ("speaker_ids.json", "speaker_ids.pth"),
    "d_vector_file": ("speakers.json", "speakers.pth"),
    "language_ids_file": ("language_ids.json",),
    "speaker_encoder_model_path": ("model_se.pth", "model_se.pth.tar"),
    "speaker_encoder_config_path": ("config_se.json",),
}
# Libraries coqui-tts loads that are built against one torch; named in its own import errors.
TORCH_BUILT_DEPENDENCIES = ("torchaudio", "torchcodec")
# Comments in old Coqui configs (``// ...``, ``/* ... */``), outside strings; coqui-tts strips
# them the same way (``TTS.config.read_json_with_comments``).
JSON_COMMENTS = re.compile(r"(\"(?:[^\"\\]|\\.)*\")|(/\*(?:.|[\n\r])*?\*/)|(//.*)")
# Names an error lists before "and N more" (an XTTS model has 58 speakers).
LISTED_NAMES = 12
# Coqui writes its clips peak-normalised (``TTS.utils.audio.numpy_transforms.save_wav``); a clip
# quieter than this peak is raised at most to it, so near-silence stays audibly quiet.
NORMALISE_FLOOR = 0.01


@dataclass(frozen=True)
class Speech:
    """What a voice spoke: mono samples in about [-1, 1], their rate, and whether the model
    itself spoke at the asked speed (if not, the tool changes the tempo afterwards)."""

    samples: np.ndarray
    sample_rate: int
    at_speed: bool


class SpeechModel(Protocol):
    """What the tool uses of a loaded model (``CoquiVoice`` is coqui-tts' ``TTS`` behind it)."""

    speakers: list[str]
    languages: list[str]

    def speak(
        self, text: str, *, speaker: str | None, language: str | None, speed: float, seed: int
    ) -> Speech: ...


class CoquiSpeechTool(Tool):
    """Speech from a script with a local Coqui TTS model, checked by transcribing it back."""

    name: ClassVar[str] = "synthesize_speech"
    modality: ClassVar[Modality] = "audio"
    backend: ClassVar[str] = "coqui"
    description: ClassVar[str] = (
        "Speak a script aloud with a neural text-to-speech model and return the audio clip "
        "(narration, an answer read out, a pronunciation)."
    )
    Arguments: ClassVar[type[ToolArguments]] = SpeechArguments
    location_help: ClassVar[str | None] = FOLDER_HOLDS
    heavy: ClassVar[bool] = True

    def __init__(self, location: str | None = None) -> None:
        super().__init__(location)
        self.folder = ModelFolder(location, self.name, self.backend)

    def check_ready(self, settings: Any) -> None:
        """Refuse before a run: coqui-tts missing or unloadable, no model folder, no config or
        checkpoint in it, a multilingual model without a known language, or no such device."""
        folder = require_folder(self.location, FEATURE, FOLDER_HOLDS)
        config = read_config(folder)
        if find_checkpoint(folder) is None:
            raise ConfigError(
                f"{FEATURE}: {str(folder)!r} has no checkpoint; expected one of "
                f"{', '.join(CHECKPOINT_NAMES)} ({FOLDER_HOLDS})"
            )
        choose_language(declared_languages(config, folder), settings.speech_language)
        import_coqui()
        resolve_device(settings.model_device, FEATURE)

    def backend_version(self) -> str:
        return f"{library_versions('coqui-tts', 'torch')}; model {self.folder.revision()}"

    def cache_settings(self, settings: Any) -> dict[str, Any]:
        return settings_read(settings, "speech_speaker", "speech_language", "model_device")

    def close(self) -> None:
        self.folder.close()

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Speak the script into ``speech.wav`` (converted to MP3 when asked)."""
        arguments = ensure_arguments(SpeechArguments, arguments)
        settings = context.settings if context.settings is not None else Settings()
        loaded = self._model(settings)
        voice: SpeechModel = loaded.value
        # Speakers are known once the model is loaded; languages are checked again against it.
        try:
            speaker = choose_speaker(voice.speakers, settings.speech_speaker)
            language = choose_language(voice.languages, settings.speech_language)
        except ConfigError as error:
            raise ToolError(str(error), tool=self.name, recoverable=False) from error
        started = time.perf_counter()
        try:
            with loaded.lock:
                speech = voice.speak(
                    arguments.script,
                    speaker=speaker,
                    language=language,
                    speed=arguments.speed,
                    seed=context.seed,
                )
        except (RuntimeError, ValueError, TypeError, KeyError, IndexError, AssertionError) as error:
            raise ToolError(
                f"the Coqui model could not speak the script: {type(error).__name__}: {error}",
                tool=self.name,
            ) from error
        seconds = time.perf_counter() - started
        if speech.samples.size == 0:
            raise ToolError(
                f"the Coqui model produced no audio for {arguments.script[:80]!r}", tool=self.name
            )
        path = context.work_dir / "speech.wav"
        write_wav(path, speech.samples, speech.sample_rate)
        duration_s = speech.samples.size / speech.sample_rate
        if not speech.at_speed and arguments.speed != 1.0:
            path = change_tempo(path, arguments.speed)
            duration_s /= arguments.speed
        if arguments.format == "mp3":
            path = encode_mp3(path, timeout_s=60.0 + duration_s)
        return ToolOutput(
            path=path,
            mime=MIME_TYPES[arguments.format],
            meta={
                "duration_s": round(duration_s, 3),
                "sample_rate": speech.sample_rate,
                "voice": self.folder.name,
                "speaker": speaker,
                "language": language,
                "speed": arguments.speed,
                "format": arguments.format,
                "script": arguments.script,
                "model": model_record(
                    backend=self.backend,
                    model=self.folder.name,
                    revision=self.folder.revision(),
                    loaded=loaded,
                    seconds=seconds,
                ),
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Decode the clip, check its length and loudness, transcribe it and score the WER
        (the same check as the Piper voice's)."""
        arguments = ensure_arguments(SpeechArguments, arguments)
        max_wer = getattr(context.settings, "speech_max_wer", DEFAULT_MAX_WER)
        return verify_speech(
            Path(output.path),
            arguments.script,
            speed=arguments.speed,
            max_wer=max_wer,
            language=output.meta.get("language") or None,
        )

    # -- helpers -----------------------------------------------------------------------------

    def _model(self, settings: Any) -> LoadedModel:
        # Coqui's inference code runs in float32 (its vocoders and XTTS' GPT are not written
        # for half precision), whatever model_dtype says.
        return self.folder.shared(
            settings, FEATURE, lambda folder, device, _: load_voice(folder, device), dtype="float32"
        )


class CoquiVoice:
    """A loaded ``TTS.api.TTS`` behind the small surface the tool uses (``SpeechModel``).

    Args:
        api: the loaded ``TTS.api.TTS`` object, already on its device.
        device: where it runs (``cpu``, ``cuda``, ``cuda:1``).
    """

    def __init__(self, api: Any, device: str) -> None:
        self._api = api
        self._device = device
        model = api.synthesizer.tts_model
        self.sample_rate = int(api.synthesizer.output_sample_rate)
        self.speakers: list[str] = list(api.speakers or []) if api.is_multi_speaker else []
        if api.is_multi_lingual:
            self.languages: list[str] = list(api.languages or [])
        else:  # its one language, to check that a set speech_language agrees with it
            manager = getattr(model, "language_manager", None)
            self.languages = list(getattr(manager, "language_names", []))

    def speak(
        self, text: str, *, speaker: str | None, language: str | None, speed: float, seed: int
    ) -> Speech:
        """``text`` spoken, seeded so the same text and seed give the same samples (Coqui models
        sample noise at inference); ``speed`` through the model where it has a knob for it."""
        import torch  # loaded with coqui-tts already; kept out of `import unima`

        model = self._api.synthesizer.tts_model
        options: dict[str, Any] = {}
        at_speed = True
        original_length_scale = getattr(model, "length_scale", None)
        if speed != 1.0:
            if original_length_scale is not None:  # VITS, FastPitch and kin: phoneme durations
                model.length_scale = original_length_scale / speed
            elif getattr(model.config, "model", "") == "xtts":
                options["speed"] = speed
            else:
                at_speed = False
        devices = [torch.device(self._device).index or 0] if self._device.startswith("cuda") else []
        try:
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(seed)
                samples = self._api.tts(text, speaker=speaker, language=language, **options)
        finally:
            if original_length_scale is not None:
                model.length_scale = original_length_scale
        return Speech(
            samples=np.asarray(samples, dtype=np.float32).reshape(-1),
            sample_rate=self.sample_rate,
            at_speed=at_speed,
        )


def import_coqui() -> Any:
    """The ``TTS.api`` module of coqui-tts, or a ``ConfigError`` saying why it cannot load.

    coqui-tts can be installed and still fail to import: it needs torchaudio (and torchcodec
    from torch 2.9) built for the installed torch, and a build for another torch or for CUDA on
    a CPU-only torch fails to load its libraries. The message carries the loader's own reason.

    Raises:
        MissingExtraError: coqui-tts is not installed at all.
        ConfigError: it is installed but cannot load.
    """
    require_module("TTS", FEATURE, EXTRA)
    try:
        import TTS.api  # heavy: torch, torchaudio, the model zoo; only when coqui is chosen
    except (ImportError, OSError) as error:
        raise ConfigError(unloadable_message(error)) from error
    return TTS.api


def unloadable_message(error: BaseException) -> str:
    """Why coqui-tts cannot load, with what each torch-built dependency it names says on import
    (coqui-tts' own message says they were "not found" even when they are installed)."""
    reasons = [error_chain(error)]
    for dependency in TORCH_BUILT_DEPENDENCIES:
        if dependency not in reasons[0].lower():
            continue
        try:
            importlib.import_module(dependency)
        except (ImportError, OSError) as failure:
            reason = error_chain(failure)
            if reason not in reasons[0]:
                reasons.append(f"import {dependency}: {reason}")
    installed = library_versions("coqui-tts") or "coqui-tts"
    return (
        f"{FEATURE}: {installed} is installed but cannot load: {'; '.join(reasons)}. It needs "
        "torchaudio (and torchcodec from torch 2.9) built for the installed "
        f"{library_versions('torch') or 'torch'}; install matching builds (a CPU-only torch "
        "needs the CPU torchaudio from https://download.pytorch.org/whl/cpu), or choose another "
        "synthesize_speech backend (piper)"
    )


def error_chain(error: BaseException) -> str:
    """An error's message and its causes' (``Could not load ... <- libc10_cuda.so: cannot open
    shared object file``), on one line."""
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 4:
        text = " ".join(str(current).split()).rstrip(".") or type(current).__name__
        if text not in parts:
            parts.append(text)
        current = current.__cause__
    return " <- ".join(parts)


def read_config(folder: Path) -> dict[str, Any]:
    """The folder's ``config.json`` as a dict (``//`` comments allowed, as coqui-tts allows);
    a ``ConfigError`` when it is missing, unreadable or not a Coqui model config."""
    path = folder / "config.json"
    if not path.is_file():
        raise ConfigError(f"{FEATURE}: {str(folder)!r} has no config.json ({FOLDER_HOLDS})")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{FEATURE}: cannot read {str(path)!r}: {error}") from error
    try:
        config = json.loads(text)
    except json.JSONDecodeError:
        try:
            config = json.loads(JSON_COMMENTS.sub(lambda match: match.group(1) or "", text))
        except json.JSONDecodeError as error:
            raise ConfigError(f"{FEATURE}: {str(path)!r} is not valid JSON: {error}") from error
    if not isinstance(config, dict) or not isinstance(config.get("model"), str):
        raise ConfigError(
            f"{FEATURE}: {str(path)!r} is not a Coqui TTS model config (it names no 'model')"
        )
    return config


def find_checkpoint(folder: Path) -> Path | None:
    """The folder's checkpoint, by the names Coqui saves and publishes them under."""
    for name in CHECKPOINT_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def side_file(value: Any, folder: Path, defaults: tuple[str, ...]) -> Path | None:
    """Where a side file a config names (``speakers_file``: ``/home/x/tts/vctk/speakers.json``)
    is: the named path if it exists, else the same name, else a default name, in ``folder``."""
    named = value[0] if isinstance(value, list) and value else value
    if not isinstance(named, str) or not named:
        return None
    if Path(named).expanduser().is_file():
        return Path(named).expanduser()
    for name in (Path(named).name, *defaults):
        if (folder / name).is_file():
            return folder / name
    return None


def declared_languages(config: dict[str, Any], folder: Path) -> list[str]:
    """The languages a model's config declares, found as coqui-tts finds them
    (``LanguageManager.init_from_config``): its ``language_ids.json`` when the model embeds
    languages, else ``languages``, else its datasets' languages, else its phoneme language."""
    model_args = config.get("model_args") or {}
    if model_args.get("use_language_embedding"):
        path = side_file(model_args.get("language_ids_file"), folder, ("language_ids.json",))
        if path is not None and path.suffix == ".json":
            try:
                return sorted(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as error:
                raise ConfigError(f"{FEATURE}: cannot read {str(path)!r}: {error}") from error
    languages = [name for name in config.get("languages") or [] if isinstance(name, str)]
    if not languages:
        datasets = config.get("datasets") or []
        languages = sorted(
            {
                entry["language"]
                for entry in datasets
                if isinstance(entry, dict) and entry.get("language")
            }
        )
    if not languages and isinstance(config.get("phoneme_language"), str):
        languages = [config["phoneme_language"]]
    return sorted(set(languages))


def relocated_config(folder: Path, scratch: Path) -> Path:
    """``folder/config.json``, or a copy in ``scratch`` whose side-file paths point into
    ``folder`` when the original names paths that no longer exist (a moved or copied model)."""
    config = read_config(folder)
    changed = False
    for section in (config, config.get("model_args")):
        if not isinstance(section, dict):
            continue
        for field, defaults in SIDE_FILES.items():
            value = section.get(field)
            found = side_file(value, folder, defaults)
            named = value[0] if isinstance(value, list) and value else value
            if found is None or (isinstance(named, str) and found == Path(named).expanduser()):
                continue
            section[field] = [str(found)] if isinstance(value, list) else str(found)
            changed = True
    if not changed:
        return folder / "config.json"
    copy = scratch / "config.json"
    copy.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return copy


def load_voice(folder: Path, device: str) -> SpeechModel:
    """The Coqui model in ``folder`` loaded with ``TTS.api.TTS`` on ``device``.

    Raises:
        ConfigError: coqui-tts cannot load (see ``import_coqui``).
        ToolError: the folder's model does not load (not recoverable).
    """
    api_module = import_coqui()
    checkpoint = find_checkpoint(folder)
    if checkpoint is None:
        raise ConfigError(f"{FEATURE}: {str(folder)!r} has no checkpoint ({FOLDER_HOLDS})")
    with tempfile.TemporaryDirectory(prefix="unima-coqui-") as scratch:
        config_path = relocated_config(folder, Path(scratch))
        try:
            api = api_module.TTS(
                model_path=str(checkpoint), config_path=str(config_path), progress_bar=False
            )
        # Coqui's loaders raise whatever their model raises (KeyError for a missing config
        # field, AssertionError, FileNotFoundError for a side file, ModuleNotFoundError for a
        # phonemizer): any of them means this folder does not load, which a retry cannot mend.
        except Exception as error:
            raise ToolError(
                f"{FEATURE} could not load {str(folder)!r}: {type(error).__name__}: {error}",
                tool="synthesize_speech",
                recoverable=False,
            ) from error
    return CoquiVoice(api.to(device), device)


def choose_speaker(speakers: list[str], requested: str | None) -> str | None:
    """The speaker to ask a model for: required, and one of ``speakers``, when the model has
    several; none when it has one voice (a set speech_speaker is then an error)."""
    wanted = (requested or "").strip()
    if not speakers:
        if wanted:
            raise ConfigError(
                f"{FEATURE}: the model has a single voice, but {SPEAKER_SETTING} is "
                f"{wanted!r}; unset it or choose a multi-speaker model"
            )
        return None
    if not wanted:
        raise ConfigError(
            f"{FEATURE}: the model has {len(speakers)} speakers; choose one with "
            f"{SPEAKER_SETTING}: {listed(speakers)}"
        )
    match = matching_name(wanted, speakers)
    if match is None:
        raise ConfigError(
            f"{FEATURE}: {SPEAKER_SETTING} is {wanted!r}, which is not one of the model's "
            f"speakers: {listed(speakers)}"
        )
    return match


def choose_language(languages: list[str], requested: str | None) -> str | None:
    """The language to ask a model for: required, and one of ``languages``, when the model
    knows several; none for a one-language model (a set speech_language must agree with it)."""
    wanted = (requested or "").strip()
    if len(languages) <= 1:
        if wanted and languages and matching_name(wanted, languages) is None:
            raise ConfigError(
                f"{FEATURE}: the model speaks only {languages[0]!r}, but {LANGUAGE_SETTING} is "
                f"{wanted!r}; unset it or choose a multilingual model"
            )
        return None
    if not wanted:
        raise ConfigError(
            f"{FEATURE}: the model is multilingual; set {LANGUAGE_SETTING} to one of its "
            f"languages: {listed(languages)}"
        )
    match = matching_name(wanted, languages)
    if match is None:
        raise ConfigError(
            f"{FEATURE}: {LANGUAGE_SETTING} is {wanted!r}, which the model does not speak; "
            f"its languages: {listed(languages)}"
        )
    return match


def matching_name(wanted: str, names: list[str]) -> str | None:
    """``wanted`` among ``names``: exactly, regardless of case, or by the language part of a
    language tag (``en-US`` finds ``en``, ``zh`` finds ``zh-cn`` when it is the only ``zh``)."""
    if wanted in names:
        return wanted
    by_case = {name.lower(): name for name in names}
    wanted = wanted.lower()
    if wanted in by_case:
        return by_case[wanted]
    if wanted.split("-")[0] in by_case:
        return by_case[wanted.split("-")[0]]
    by_base = [name for name in names if name.lower().split("-")[0] == wanted]
    return by_base[0] if len(by_base) == 1 else None


def listed(names: list[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:LISTED_NAMES])
    more = len(names) - LISTED_NAMES
    return f"{shown} and {more} more" if more > 0 else shown


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write ``samples`` as a 16-bit mono WAV, peak-normalised as coqui-tts writes its clips."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    scaled = samples * (32767 / max(NORMALISE_FLOOR, peak))
    pcm = np.clip(np.round(scaled), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm.tobytes())


def change_tempo(path: Path, speed: float) -> Path:
    """A copy of the WAV at ``path`` played ``speed`` times as fast, pitch kept (ffmpeg's
    ``atempo``), for models with no speed of their own."""
    faster = path.with_name("speech-tempo.wav")
    command = [*ffmpeg.QUIET, "-y", "-i", str(path), "-filter:a", f"atempo={speed:g}"]
    ffmpeg.run_ffmpeg([*command, str(faster)], timeout_s=120.0)
    faster.replace(path)
    return path


def encode_mp3(path: Path, *, timeout_s: float) -> Path:
    """The WAV at ``path`` as ``speech.mp3`` beside it (the WAV is removed)."""
    mp3 = path.with_name("speech.mp3")
    command = [*ffmpeg.QUIET, "-y", "-i", str(path), "-codec:a", "libmp3lame", "-q:a", "3"]
    ffmpeg.run_ffmpeg([*command, str(mp3)], timeout_s=timeout_s)
    path.unlink(missing_ok=True)
    return mp3
