"""The course's offline watch page: the video with its subtitles, chapters that seek on click,
and each chapter's lessons with their parameters. One HTML file beside the video; it loads
nothing from the network and works opened from disk."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import quote


@dataclass(frozen=True)
class PageChapter:
    id: str
    title: str
    start: float  # seconds into the course video
    lessons: Sequence[tuple[str, dict]]  # (lesson, parameters set for it)


STYLE = """
body { margin: 0; background: #14161b; color: #e8e6e3; font-family: "Noto Sans CJK SC",
  "Noto Sans", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-weight: 500; margin: 0 0 16px; }
video { width: 100%; background: #000; border-radius: 6px; }
ol { padding-left: 0; list-style: none; }
li { margin: 10px 0; padding: 12px 16px; background: #1d2027; border-radius: 6px; }
button { font: inherit; color: #f2b134; background: none; border: 0; cursor: pointer;
  padding: 0; font-size: 1.1em; }
button:hover { text-decoration: underline; }
.time { color: #8a8f98; margin-left: 8px; }
.lessons { color: #8a8f98; margin: 6px 0 0; font-size: 0.9em; }
code { color: #e8e6e3; }
"""

SCRIPT = """
const video = document.getElementById("course");
for (const button of document.querySelectorAll("button[data-start]")) {
  button.addEventListener("click", () => {
    video.currentTime = Number(button.dataset.start);
    video.play().catch(() => {});
  });
}
"""


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def watch_page(title: str, lang: str, video: str, vtt: str,
               chapters: Sequence[PageChapter]) -> str:
    """The page; the subtitles are written into it (a data: URL), because a browser refuses a
    <track> file beside a page opened from disk."""
    items = []
    for chapter in chapters:
        lessons = "; ".join(
            escape(lesson) + (f" <code>{escape(json.dumps(params, ensure_ascii=False))}</code>"
                              if params else "")
            for lesson, params in chapter.lessons)
        items.append(
            f'<li id="chapter-{escape(chapter.id)}"><button data-start="{chapter.start:.3f}">'
            f'{escape(chapter.title)}</button><span class="time">{clock(chapter.start)}</span>'
            f'<p class="lessons">{lessons}</p></li>')
    label = {"zh": "中文", "en": "English"}.get(lang, lang)
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<video id="course" controls preload="metadata" src="{escape(video)}">
<track kind="subtitles" src="data:text/vtt;charset=utf-8,{quote(vtt)}" srclang="{escape(lang)}"
 label="{label}" default>
</video>
<ol id="chapters">
{chr(10).join(items)}
</ol>
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""
