"""An HTML deck: a folder that opens from disk with no network: index.html (styles and the
slide logic inline), clips/ and posters/. Arrow keys, space, page keys and clicks move between
slides, `s` shows the speaker notes, `f` goes full screen; each slide plays its clip once and
stays on the last frame."""

from __future__ import annotations

from html import escape
from pathlib import Path

STYLE = """
html, body { margin: 0; height: 100%; background: #14161b; color: #e8e6e3;
  font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; overflow: hidden; }
.slide { display: none; position: absolute; inset: 0; }
.slide.current { display: flex; flex-direction: column; align-items: center;
  justify-content: center; }
video { width: 100vw; height: 100vh; object-fit: contain; background: #000; }
.notes { display: none; position: fixed; left: 0; right: 0; bottom: 0; padding: 12px 20px;
  background: rgba(20, 22, 27, 0.92); font-size: 20px; line-height: 1.5; }
body.show-notes .slide.current .notes { display: block; }
#number { position: fixed; right: 14px; top: 10px; color: #8a8f98; font-size: 15px; }
#hint { position: fixed; left: 50%; top: 12px; transform: translateX(-50%); color: #f2b134;
  font-size: 15px; display: none; }
"""

SCRIPT = """
const slides = [...document.querySelectorAll(".slide")];
const number = document.getElementById("number");
const hint = document.getElementById("hint");
let index = 0;
function show(next) {
  index = Math.max(0, Math.min(slides.length - 1, next));
  slides.forEach((slide, i) => {
    const video = slide.querySelector("video");
    if (i === index) {
      slide.classList.add("current");
      video.currentTime = 0;
      video.play().then(() => { hint.style.display = "none"; })
        .catch(() => { hint.style.display = "block"; });
    } else {
      slide.classList.remove("current");
      video.pause();
    }
  });
  number.textContent = `${index + 1} / ${slides.length}`;
  history.replaceState(null, "", `#${index + 1}`);
}
document.addEventListener("keydown", (event) => {
  if (["ArrowRight", "PageDown", " ", "Enter"].includes(event.key)) show(index + 1);
  else if (["ArrowLeft", "PageUp", "Backspace"].includes(event.key)) show(index - 1);
  else if (event.key === "Home") show(0);
  else if (event.key === "End") show(slides.length - 1);
  else if (event.key === "s") document.body.classList.toggle("show-notes");
  else if (event.key === "f") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  } else return;
  event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (hint.style.display === "block") { show(index); return; }
  show(event.clientX < window.innerWidth / 4 ? index - 1 : index + 1);
});
show(Math.max(0, Number(location.hash.slice(1)) - 1 || 0));
"""


def write(deck, target: Path) -> dict[str, Path]:
    from render.decks import place

    (target / "clips").mkdir(parents=True)
    (target / "posters").mkdir()
    sections = []
    for number, slide in enumerate(deck.slides, 1):
        clip, poster = f"clips/{number:03d}.mp4", f"posters/{number:03d}.png"
        place(slide.clip, target / clip)
        place(slide.poster, target / poster)
        muted = "" if deck.narration else " muted"
        sections.append(
            f'<section class="slide" id="slide-{number}" data-cue="{escape(slide.cue)}">'
            f'<video src="{clip}" poster="{poster}" preload="auto" playsinline{muted}></video>'
            f'<aside class="notes">{escape(slide.notes) or "—"}</aside></section>')
    (target / "index.html").write_text(f"""<!DOCTYPE html>
<html lang="{escape(deck.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(deck.title)}</title>
<style>{STYLE}</style>
</head>
<body>
{chr(10).join(sections)}
<div id="number"></div>
<div id="hint">{"点击开始播放" if deck.lang == "zh" else "Click to start"}</div>
<script>{SCRIPT}</script>
</body>
</html>
""", encoding="utf-8")
    return {deck.name: target}
