"""build_request: strings, lists of items, UniM instances; tags, placeholders and bad inputs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from unima.errors import InputError, UnsafePathError
from unima.inputs.parts import part_from_bytes
from unima.inputs.request import build_request
from unima.types import Part, Request


def write_png(
    path: Path, size: tuple[int, int] = (32, 24), color: tuple[int, int, int] = (0, 128, 255)
) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def write_wav(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(b"\x00\x01" * 800)
    return path


@pytest.fixture
def unim_root(tmp_path: Path) -> Path:
    """A UniM subdomain folder: image/, audio/, document/, code/ with real files."""
    root = tmp_path / "data" / "natural_science" / "biology"
    write_png(root / "image" / "img_0001_i1.png")
    write_png(root / "image" / "img_0001_i2.png", color=(255, 0, 0))
    write_png(root / "document" / "doc_0001_i1.png")
    write_wav(root / "audio" / "aud_0001_i1.wav")
    (root / "code").mkdir()
    (root / "code" / "code_0001_i1.py").write_text("def f():\n    return 1\n")
    (tmp_path / "secret.png").write_bytes((root / "image" / "img_0001_i1.png").read_bytes())
    return root


def instance(content: str, modal: dict[str, str]) -> dict[str, object]:
    return {
        "domain": "natural_science", "subdomain": "biology", "id": "7", "difficulty_level": 2,
        "input": {"modal": modal, "content": content},
        "output": {"modal": {"image9": "image/answer.png"}, "content": "the reference answer"},
    }  # fmt: skip


# ---- plain text and Request ---------------------------------------------------------------------


def test_string_is_a_text_only_request() -> None:
    request = build_request("Explain how a rainbow forms.")
    assert request == Request(text="Explain how a rainbow forms.", source={"kind": "text"})


@pytest.mark.parametrize("empty", ["", "   \n\t", [], ["  "]])
def test_empty_request_is_refused(empty: object) -> None:
    with pytest.raises(InputError, match="the request is empty"):
        build_request(empty)


def test_request_is_returned_as_is() -> None:
    request = Request(text="hi", parts=(Part(modality="text", text="x"),))
    assert build_request(request) is request


def test_output_placeholders_in_plain_text_are_listed() -> None:
    request = build_request("Draw a cat. Ensure the answer has an <image1> and an <audio1>.")
    assert request.source["output_tags"] == ["image1", "audio1"]
    assert request.parts == ()


# ---- lists of items ------------------------------------------------------------------------------


def test_list_binds_parts_to_placeholders_and_fills_file_facts(tmp_path: Path) -> None:
    picture = write_png(tmp_path / "cat.png")
    request = build_request(["Describe <image1> in detail.", picture])
    assert request.text == "Describe <image1> in detail."
    (part,) = request.parts
    assert part.tag == "image1" and part.modality == "image"
    assert part.path == str(picture.resolve())
    assert part.mime == "image/png"
    assert part.sha256 == hashlib.sha256(picture.read_bytes()).hexdigest()
    assert part.size_bytes == picture.stat().st_size
    assert part.meta["format"] == "png"


def test_unreferenced_parts_get_tags_appended_to_the_text(tmp_path: Path) -> None:
    first, second = write_png(tmp_path / "a.png"), write_png(tmp_path / "b.png", color=(1, 2, 3))
    sound = write_wav(tmp_path / "voice.wav")
    request = build_request(["What do these show?", first, sound, second])
    assert [part.tag for part in request.parts] == ["image1", "audio1", "image2"]
    assert request.text == "What do these show?\n\n(attached: <image1>, <audio1>, <image2>)"


def test_strings_naming_existing_files_are_paths_other_strings_are_text(tmp_path: Path) -> None:
    picture = write_png(tmp_path / "photo.png")
    request = build_request([str(picture), f"{picture} \n", "Compare them with notes.txt"])
    assert len(request.parts) == 1 and request.parts[0].path == str(picture.resolve())
    assert f"{picture}" in request.text and "Compare them with notes.txt" in request.text


def test_relative_strings_resolve_under_media_root(tmp_path: Path) -> None:
    write_png(tmp_path / "media" / "cat.png")
    request = build_request(["Describe <image1>", "cat.png"], media_root=tmp_path / "media")
    assert request.parts[0].path == str((tmp_path / "media" / "cat.png").resolve())
    with pytest.raises(UnsafePathError):
        build_request(["x", Path("../media/cat.png")], media_root=tmp_path / "media")


def test_pil_images_are_saved_as_png_in_the_scratch_folder(tmp_path: Path) -> None:
    from PIL import Image

    scratch = tmp_path / "scratch"
    request = build_request(
        ["Caption <image1>", Image.new("RGB", (20, 10), (9, 9, 9))], scratch_dir=scratch
    )
    (part,) = request.parts
    saved = Path(part.path or "")
    assert saved.parent == scratch.resolve() and saved.suffix == ".png"
    with Image.open(saved) as reopened:
        assert reopened.size == (20, 10)
    assert part.sha256 == hashlib.sha256(saved.read_bytes()).hexdigest() and saved.name.startswith(
        part.sha256
    )


def test_pil_modes_png_cannot_store_are_converted(tmp_path: Path) -> None:
    from PIL import Image

    request = build_request(["x", Image.new("CMYK", (8, 8), (0, 0, 0, 0))], scratch_dir=tmp_path)
    assert request.parts[0].mime == "image/png"


def test_bytes_pairs_are_sniffed_and_cross_checked(tmp_path: Path) -> None:
    png = write_png(tmp_path / "a.png").read_bytes()
    wav = write_wav(tmp_path / "a.wav").read_bytes()
    request = build_request(
        ["Look", (png, "image/png"), (b"print('hi')\n", "text/x-python")],
        scratch_dir=tmp_path / "s",
    )
    assert [(part.tag, part.modality) for part in request.parts] == [
        ("image1", "image"),
        ("code1", "code"),
    ]
    assert request.parts[1].meta["language"] == "Python"
    with pytest.raises(
        InputError, match=r"declared as image/png \(image\) but the bytes are wav \(audio\)"
    ):
        build_request(["x", (wav, "image/png")], scratch_dir=tmp_path)
    with pytest.raises(InputError, match="'application/zip' is not accepted"):
        part_from_bytes(png, "application/zip", scratch_dir=tmp_path)
    assert (
        part_from_bytes(png, "application/octet-stream", scratch_dir=tmp_path).modality == "image"
    )


def test_tagged_parts_keep_their_tags_and_others_fill_gaps(tmp_path: Path) -> None:
    first, second = write_png(tmp_path / "a.png"), write_png(tmp_path / "b.png", color=(5, 5, 5))
    request = build_request(
        [
            "Compare <image2> with <image1>",
            Part(modality="image", tag="image2", path=str(first)),
            second,
        ]
    )
    assert [part.tag for part in request.parts] == ["image2", "image1"]
    assert request.part_by_tag("image2").path == str(first.resolve())  # type: ignore[union-attr]


def test_duplicate_and_mismatched_tags_are_refused(tmp_path: Path) -> None:
    picture = write_png(tmp_path / "a.png")
    tagged = Part(modality="image", tag="image1", path=str(picture))
    with pytest.raises(InputError, match="same tag <image1>"):
        build_request(["x", tagged, tagged])
    with pytest.raises(InputError, match=r"tagged <audio1> \(audio\) but the file is png"):
        build_request(["x", Part(modality="audio", tag="audio1", path=str(picture))])


def test_placeholder_numbered_inside_the_inputs_must_exist(tmp_path: Path) -> None:
    first = write_png(tmp_path / "a.png")
    third = Part(
        modality="image", tag="image3", path=str(write_png(tmp_path / "c.png", color=(7, 7, 7)))
    )
    with pytest.raises(
        InputError,
        match=r"refers to <image2> but no such input was given \(inputs: <image1>, <image3>\)",
    ):
        build_request(["Compare <image1>, <image2> and <image3>", first, third])
    after = build_request(["Edit <image1> into <image2>", first])
    assert after.source["output_tags"] == ["image2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"empty \(0 bytes\)"),
        (b"\xff\xfe\x00\x00garbage\x80\x81", "unknown binary format"),
        (b"caf\xe9 au lait, not utf-8\n", "not valid UTF-8"),
    ],
)
def test_bad_files_are_refused_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "upload.dat"
    bad.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        build_request(["x", bad])
    assert str(bad) in str(caught.value)


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found") as caught:
        build_request(["x", tmp_path / "nowhere.png"])
    assert "nowhere.png" in str(caught.value)


def test_wrong_extension_follows_the_bytes(tmp_path: Path) -> None:
    disguised = tmp_path / "song.mp3"
    disguised.write_bytes(write_png(tmp_path / "real.png").read_bytes())
    (part,) = build_request(["What is <image1>?", disguised]).parts
    assert (part.modality, part.mime) == ("image", "image/png")


@pytest.mark.parametrize("path", [Path("a\x00b.png"), Path("\ud800.png")])
def test_unencodable_paths_are_refused(path: Path) -> None:
    with pytest.raises(UnsafePathError, match="NUL byte or characters"):
        build_request(["x", path])


def test_unsupported_items_are_refused() -> None:
    with pytest.raises(InputError, match="cannot use an input of type dict"):
        build_request(["x", {"not": "a part"}])


# ---- UniM instances -----------------------------------------------------------------------------


def test_unim_instance_resolves_tags_under_the_media_root(unim_root: Path) -> None:
    request = build_request(
        instance("Listen to <audio1> and compare <image2> with <image1>. Answer with 1 image.",
                 {"image1": "image/img_0001_i1.png", "image2": "image/img_0001_i2.png", "audio1": "audio/aud_0001_i1.wav"}),
        media_root=unim_root,
    )  # fmt: skip
    assert [part.tag for part in request.parts] == ["audio1", "image2", "image1"]
    assert request.text.startswith("Listen to <audio1> and compare")
    assert request.part_by_tag("image2").path == str(
        (unim_root / "image" / "img_0001_i2.png").resolve()
    )  # type: ignore[union-attr]
    assert request.source["kind"] == "unim" and request.source["id"] == "7"
    assert request.source["difficulty_level"] == 2
    assert "output" not in request.source  # the reference answer never reaches the agent


def test_unim_extra_modal_entries_are_noted_and_text_kept(unim_root: Path) -> None:
    content = "Describe <image1>."
    request = build_request(
        instance(content, {"image1": "image/img_0001_i1.png", "code1": "code/code_0001_i1.py"}),
        media_root=unim_root,
    )
    assert request.text == content
    assert request.source["unreferenced_tags"] == ["code1"]
    assert request.part_by_tag("code1").meta["language"] == "Python"  # type: ignore[union-attr]


def test_unim_document_tag_accepts_a_scanned_image(unim_root: Path) -> None:
    request = build_request(
        instance("Read <document1>.", {"document1": "document/doc_0001_i1.png"}),
        media_root=unim_root,
    )
    (part,) = request.parts
    assert (part.modality, part.mime) == ("document", "image/png")


def test_unim_missing_input_tag_is_refused(unim_root: Path) -> None:
    with pytest.raises(InputError, match="refers to <image1> but no such input"):
        build_request(
            instance("Compare <image1> and <image2>.", {"image2": "image/img_0001_i2.png"}),
            media_root=unim_root,
        )


def test_unim_modality_mismatch_is_refused_naming_tag_and_file(unim_root: Path) -> None:
    with pytest.raises(
        InputError, match=r"tagged <image1> \(image\) but the file is wav"
    ) as caught:
        build_request(
            instance("See <image1>.", {"image1": "audio/aud_0001_i1.wav"}), media_root=unim_root
        )
    assert "natural_science/biology/7 <image1>" in str(caught.value)
    assert "audio/aud_0001_i1.wav" in str(caught.value)


@pytest.mark.parametrize(
    "relative",
    [
        "../../../secret.png",
        "/etc/passwd",
        "file:///etc/passwd",
        "http://example.com/a.png",
        "image\\img_0001_i1.png",
        "link.png",
    ],
)
def test_unim_paths_cannot_escape_the_media_root(
    unim_root: Path, tmp_path: Path, relative: str
) -> None:
    os.symlink(tmp_path / "secret.png", unim_root / "link.png")
    with pytest.raises(UnsafePathError) as caught:
        build_request(instance("See <image1>.", {"image1": relative}), media_root=unim_root)
    assert "<image1>" in str(caught.value)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"input": "text"}, '"input" object'),
        ({"input": {"content": 3, "modal": {}}}, "must be a string"),
        (
            {"input": {"content": "See <image1>", "modal": {"picture": "image/img_0001_i1.png"}}},
            "'picture' is not a placeholder tag",
        ),
        ({"input": {"content": "", "modal": {}}}, "the request is empty"),
    ],
)
def test_malformed_unim_instances_are_refused(
    unim_root: Path, bad: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        build_request(bad, media_root=unim_root)


def test_unim_media_needs_a_media_root() -> None:
    with pytest.raises(InputError, match="pass media_root="):
        build_request(instance("See <image1>.", {"image1": "image/img_0001_i1.png"}))


def test_unim_text_only_instance(unim_root: Path) -> None:
    request = build_request(instance("Explain phonemes. Respond with one audio clip.", {}))
    assert request.parts == () and request.source["kind"] == "unim"


# ---- issue 10, attack 7: file names that are not UTF-8 -------------------------------------


def non_utf8_notes(folder: Path) -> Path:
    """``notes\\xff.txt``: a name that is bytes, not text; Python holds it with a surrogate."""
    path = folder / os.fsdecode(b"notes\xff.txt")
    path.write_text("Spiral galaxies have arms of young stars.\n", encoding="utf-8")
    return path


def test_attack_07_non_utf8_name_survives_request_json_losslessly(tmp_path: Path) -> None:
    path = non_utf8_notes(tmp_path)
    request = build_request(["Summarise <document1>.", path])
    (part,) = request.parts
    assert part.path == str(path)
    text = request.model_dump_json()
    text.encode("utf-8")  # strict UTF-8: no lone surrogate reaches the file
    shown = json.loads(text)["parts"][0]
    assert shown["path"].endswith("notes\\xff.txt")  # readable, and says which byte it was
    again = Request.model_validate_json(text)
    assert again == request and Path(again.parts[0].path or "").read_bytes() == path.read_bytes()
    assert Request.model_validate(request.model_dump(mode="json")) == request


def test_attack_07_ordinary_paths_serialise_unchanged(tmp_path: Path) -> None:
    path = write_png(tmp_path / "plain name é.png")
    (part,) = build_request(["Describe <image1>.", path]).parts
    document = part.model_dump(mode="json")
    assert document["path"] == str(path) and "path_bytes" not in document


def test_attack_07_run_with_a_non_utf8_name_completes_and_writes_a_trace(tmp_path: Path) -> None:
    from unima import UniMA
    from unima.testing import fake_toolbox
    from unima.trace.schema import load_trace

    path = non_utf8_notes(tmp_path)
    response = UniMA(tools=fake_toolbox()).respond(["Summarise <document1>.", path])
    response.model_dump_json().encode("utf-8")
    assert response.trace_path is not None
    trace = load_trace(response.trace_path)
    assert trace.request is not None and trace.request.parts[0].path == str(path)


def test_attack_07_cli_run_and_perceive_json_with_a_non_utf8_name(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unima.cli import app

    path = non_utf8_notes(tmp_path)
    # A real bytes argument, as a shell passes $'notes\xff.txt'.
    unima_command = Path(sys.executable).parent / "unima"
    perceived = subprocess.run(
        [unima_command, "perceive", "--json", os.fsencode(path)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert perceived.returncode == 0, perceived.stderr.decode("utf-8", "replace")
    perception = json.loads(perceived.stdout)
    assert perception["meta"]["file_name"] == "notes\\xff.txt"
    traces = tmp_path / "traces"
    result = CliRunner().invoke(
        app, ["run", "Summarise <document1>.", "--input", str(path), "--trace-dir", str(traces)]
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "Spiral galaxies" in result.output
    (trace_file,) = traces.glob("*.json")
    json.loads(trace_file.read_bytes().decode("utf-8"))


# ---- issue 10, attack 9: symbolic links that leave the folder the user named ---------------


def link_out(folder: Path, name: str = "notes.txt") -> tuple[Path, Path]:
    """``inputs/<name>`` links to ``secret/shadow.txt``, outside ``inputs``."""
    secret = folder / "secret" / "shadow.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("root:$6$hash:19000:0:99999:7:::\n")
    link = folder / "inputs" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret)
    return link, secret


def test_attack_09_symlink_leaving_the_folder_is_refused_naming_link_and_target(
    tmp_path: Path,
) -> None:
    from unima.perception import perceive

    link, secret = link_out(tmp_path)
    expected = rf"notes\.txt.*symbolic link to .*{secret.name}.*outside the folder"
    for inputs in (
        ["Summarise <document1>.", link],
        ["Summarise <document1>.", str(link)],
        ["Summarise <document1>.", Part(modality="document", path=str(link))],
    ):
        with pytest.raises(UnsafePathError, match=expected):
            build_request(inputs)
    with pytest.raises(UnsafePathError, match=expected):
        perceive(link)


def test_attack_09_link_chain_out_and_absolute_path_with_media_root_are_refused(
    tmp_path: Path,
) -> None:
    link, _ = link_out(tmp_path)
    hop = link.parent / "hop.txt"
    hop.symlink_to(link)  # inside the folder, but it ends outside
    with pytest.raises(UnsafePathError, match=r"hop\.txt"):
        build_request(["Summarise <document1>.", hop])
    with pytest.raises(UnsafePathError, match="symbolic link"):
        build_request(["Summarise <document1>.", link], media_root=tmp_path / "inputs")


def test_attack_09_symlink_inside_the_folder_is_accepted(tmp_path: Path) -> None:
    real = write_png(tmp_path / "inputs" / "sub" / "real.png")
    beside = tmp_path / "inputs" / "beside.png"
    beside.symlink_to(real)
    relative = tmp_path / "inputs" / "relative.png"
    relative.symlink_to(Path("sub") / "real.png")
    request = build_request(["Describe <image1> and <image2>.", beside, relative])
    assert [part.sha256 for part in request.parts] == [request.parts[0].sha256] * 2


def test_attack_09_follow_symlinks_reads_the_target(tmp_path: Path) -> None:
    from unima.perception import perceive

    link, secret = link_out(tmp_path)
    request = build_request(["Summarise <document1>.", link], follow_symlinks=True)
    assert request.parts[0].sha256 == hashlib.sha256(secret.read_bytes()).hexdigest()
    assert "root:" in perceive(link, follow_symlinks=True).text


def test_attack_09_cli_refuses_links_out_unless_follow_symlinks(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unima.cli import app

    runner = CliRunner()
    link, _ = link_out(tmp_path)
    refused = runner.invoke(app, ["perceive", str(link)])
    assert refused.exit_code == 1
    assert "symbolic link" in refused.output and "--follow-symlinks" in refused.output
    assert "root:" not in refused.output
    allowed = runner.invoke(app, ["perceive", "--follow-symlinks", "--json", str(link)])
    assert allowed.exit_code == 0, allowed.output
    assert "root:" in json.loads(allowed.output)["text"]

    traces = tmp_path / "traces"
    command = ["run", "Summarise <document1>.", "--input", str(link), "--trace-dir", str(traces)]
    refused_run = runner.invoke(app, command)
    assert refused_run.exit_code == 1 and "symbolic link" in refused_run.output
    assert "root:" not in refused_run.output
    for trace_file in traces.glob("*.json"):
        assert "root:$6$" not in trace_file.read_text()
    allowed_run = runner.invoke(app, [*command, "--follow-symlinks"])
    assert allowed_run.exit_code == 0, allowed_run.output
