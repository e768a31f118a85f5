"""A ``Response`` as Markdown, as a self-contained-looking HTML page, and saved to a folder.

The answer text comes from the request and the model, so both renderings escape its HTML:
``<script>`` or ``<img onerror>`` in an answer shows as text in ``answer.md`` and
``answer.html`` alike. Only the placeholders become markup, with checked tags as names and
URL-escaped links.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from unima.filenames import tag_file_name
from unima.files import atomic_write_text
from unima.modalities import PLACEHOLDER_PATTERN

if TYPE_CHECKING:  # unima.types imports this module for Response's methods
    from unima.types import Artifact, Response

CODE_PREVIEW_CHARS = 20_000


def _link(artifact: Artifact, tag: str, media_prefix: str | None) -> str:
    """The artifact's path, or ``<media_prefix>/<tag><suffix>`` for a saved copy (not escaped)."""
    if media_prefix is None:
        return artifact.path
    return f"{media_prefix.rstrip('/')}/{tag_file_name(tag, Path(artifact.path).suffix)}"


def response_markdown(response: Response, media_prefix: str | None = None) -> str:
    """The answer as Markdown: images embedded, other media linked, the rest HTML-escaped.

    Markdown passes raw HTML through, so the text around the placeholders is escaped
    (``<`` ``>`` ``&``); Markdown's own syntax (``**bold**``, lists, headings) still works.
    Links are URL-escaped, so a space or parenthesis in a path cannot end the link early.
    """
    pieces = []
    position = 0
    for match in PLACEHOLDER_PATTERN.finditer(response.content):
        pieces.append(html.escape(response.content[position : match.start()], quote=False))
        tag = f"{match.group(1)}{match.group(2)}"
        artifact = response.artifacts.get(tag)
        if artifact is None:
            pieces.append(f"[{html.escape(tag)}: not produced]")
        else:
            link = quote(_link(artifact, tag, media_prefix))
            if artifact.modality == "image":
                pieces.append(f"![{tag}]({link})")
            else:
                pieces.append(f"[{tag} ({artifact.modality})]({link})")
        position = match.end()
    pieces.append(html.escape(response.content[position:], quote=False))
    return "".join(pieces)


def _media_html(tag: str, artifact: Artifact, link: str) -> str:
    source = html.escape(link, quote=True)
    label = html.escape(tag)
    if artifact.modality == "image":
        return (
            f'<figure><img src="{source}" alt="{label}"><figcaption>{label}</figcaption></figure>'
        )
    if artifact.modality == "audio":
        return f'<figure><audio controls src="{source}"></audio><figcaption>{label}</figcaption></figure>'
    if artifact.modality == "video":
        return f'<figure><video controls width="640" src="{source}"></video><figcaption>{label}</figcaption></figure>'
    if artifact.modality == "code":
        try:
            code = Path(artifact.path).read_text(encoding="utf-8", errors="replace")[
                :CODE_PREVIEW_CHARS
            ]
        except OSError:
            code = ""
        return f'<figure><pre><code>{html.escape(code)}</code></pre><figcaption><a href="{source}">{label}</a></figcaption></figure>'
    return f'<figure><a href="{source}">{label} ({html.escape(artifact.modality)}, {html.escape(Path(link).name)})</a></figure>'


def response_html(response: Response, media_prefix: str | None = None) -> str:
    """The answer as one HTML page, media inline where a browser can show them."""
    pieces = []
    position = 0
    for match in PLACEHOLDER_PATTERN.finditer(response.content):
        pieces.append(html.escape(response.content[position : match.start()]))
        tag = f"{match.group(1)}{match.group(2)}"
        artifact = response.artifacts.get(tag)
        if artifact is None:
            pieces.append(f'<span class="missing">[{html.escape(tag)}: not produced]</span>')
        else:
            pieces.append(_media_html(tag, artifact, _link(artifact, tag, media_prefix)))
        position = match.end()
    pieces.append(html.escape(response.content[position:]))
    body = "".join(pieces).replace("\n\n", "</p><p>")
    problems = "".join(f"<li>{html.escape(problem)}</li>" for problem in response.problems)
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>unima answer</title>'
        "<style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto;line-height:1.5}"
        "img,video{max-width:100%}figure{margin:1rem 0}pre{background:#f4f4f4;padding:1rem;overflow:auto}"
        ".missing{color:#b00}</style></head><body>"
        f"<p>{body}</p>"
        + (f"<h2>Problems</h2><ul>{problems}</ul>" if problems else "")
        + f"<p><small>status: {html.escape(response.status)} · run {html.escape(response.run_id)}</small></p>"
        "</body></html>"
    )


def save_response(response: Response, directory: Path) -> Path:
    """Copy the artifacts to ``directory/media`` and write answer.md, answer.html, response.json.

    The saved ``response.json`` uses paths relative to ``directory``, so the folder can move.
    Each copy is named ``<tag><suffix>``; tags are checked before anything is written.

    Raises:
        UnsafePathError: an artifact's tag is not a placeholder tag (``image1``), so it
            cannot name a file.
    """
    for tag in response.artifacts:
        tag_file_name(tag)
    directory.mkdir(parents=True, exist_ok=True)
    media = directory / "media"
    media.mkdir(exist_ok=True)
    relative: dict[str, Artifact] = {}
    for tag, artifact in response.artifacts.items():
        target = media / tag_file_name(tag, Path(artifact.path).suffix)
        shutil.copyfile(artifact.path, target)
        relative[tag] = artifact.model_copy(update={"path": str(target.relative_to(directory))})
    saved = response.model_copy(update={"artifacts": relative})
    atomic_write_text(
        directory / "answer.md", response_markdown(response, media_prefix="media") + "\n"
    )
    atomic_write_text(directory / "answer.html", response_html(response, media_prefix="media"))
    document = saved.model_dump(mode="json")
    document["unim"] = saved.to_unim()
    atomic_write_text(directory / "response.json", json.dumps(document, indent=2))
    return directory
