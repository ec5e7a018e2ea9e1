#!/usr/bin/env python3
"""ans2html.py COLS ROWS [FONT_PX] < capture.ans > screen.html

Turn `tmux capture-pane -p -e -N` output (UTF-8 text with SGR escapes) into
an HTML page that draws the terminal as an exact grid of cells, for a headless
browser to screenshot (tests/e2e/screenshots.sh). Stdlib only.

Colours: 16, 256 and 24-bit, default fg/bg, reverse video as a real swap;
bold, dim, italic, underline, strike, hidden. Characters the monospace font
lacks, and wide (East Asian W/F) ones, are pinned to 1 or 2 cells so a
fallback font can never shift the columns.
"""
import html
import re
import subprocess
import sys
import unicodedata

FONT = "DejaVu Sans Mono"
FG, BG = "#d3d7cf", "#1e1e1e"
PALETTE = ["#2e3436", "#cc0000", "#4e9a06", "#c4a000", "#3465a4", "#75507b", "#06989a", "#d3d7cf",
           "#555753", "#ef2929", "#8ae234", "#fce94f", "#729fcf", "#ad7fa8", "#34e2e2", "#eeeeec"]


def colour256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        level = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (level[n // 36], level[n // 6 % 6], level[n % 6])
    grey = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (grey, grey, grey)


FLAGS = {1: ("bold", True), 2: ("dim", True), 3: ("italic", True), 4: ("under", True),
         7: ("rev", True), 8: ("hidden", True), 9: ("strike", True),
         23: ("italic", False), 24: ("under", False), 27: ("rev", False),
         28: ("hidden", False), 29: ("strike", False)}


def sgr(state, params):
    """Apply one SGR sequence's parameters to state (a dict)."""
    p = [int(x) if x else 0 for x in re.split("[;:]", params)] if params else [0]
    i = 0
    while i < len(p):
        c = p[i]
        if c == 0:
            state.clear()
        elif c in FLAGS:
            key, on = FLAGS[c]
            state[key] = on
        elif c == 22:
            state["bold"] = state["dim"] = False
        elif 30 <= c <= 37 or 90 <= c <= 97:
            state["fg"] = PALETTE[c - 30 if c < 90 else c - 82]
        elif 40 <= c <= 47 or 100 <= c <= 107:
            state["bg"] = PALETTE[c - 40 if c < 100 else c - 92]
        elif c in (39, 49):
            state.pop("fg" if c == 39 else "bg", None)
        elif c in (38, 48) and i + 2 < len(p):
            if p[i + 1] == 5:
                col, i = colour256(p[i + 2]), i + 2
            elif p[i + 1] == 2 and i + 4 < len(p):
                col, i = "#%02x%02x%02x" % tuple(p[i + 2:i + 5]), i + 4
            else:
                col = None
            state["fg" if c == 38 else "bg"] = col
        i += 1


def css(key):
    s = dict(key)
    fg, bg = s.get("fg") or FG, s.get("bg") or BG
    if s.get("rev"):
        fg, bg = bg, fg
    out = []
    if fg != FG:
        out.append("color:" + fg)
    if bg != BG:
        out.append("background:" + bg)
    if s.get("bold"):
        out.append("font-weight:bold")
    if s.get("dim"):
        out.append("opacity:.6")
    if s.get("italic"):
        out.append("font-style:italic")
    deco = [d for d, k in (("underline", "under"), ("line-through", "strike")) if s.get(k)]
    if deco:
        out.append("text-decoration:" + " ".join(deco))
    if s.get("hidden"):
        out.append("color:transparent")
    return ";".join(out)


def font_ranges():
    """Code point ranges the font covers, asked of fontconfig; [] if it cannot say."""
    try:
        path = subprocess.run(["fc-match", "-f", "%{file}", FONT], capture_output=True,
                              text=True, check=True).stdout
        charset = subprocess.run(["fc-query", "--format", "%{charset}", path],
                                 capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    ranges = []
    for tok in charset.split():
        lo, _, hi = tok.partition("-")
        ranges.append((int(lo, 16), int(hi or lo, 16)))
    return ranges


RANGES = font_ranges()


def cell(ch):
    """(html, width) of one character."""
    wide = unicodedata.east_asian_width(ch) in ("W", "F")
    if not wide and (ord(ch) < 128 or any(lo <= ord(ch) <= hi for lo, hi in RANGES)):
        return html.escape(ch), 1  # in the font: stays in the text run (no seams in boxes)
    return '<i class="w%d">%s</i>' % (2 if wide else 1, html.escape(ch)), 2 if wide else 1


# an SGR sequence | any other escape sequence (dropped) | one character
TOKEN = re.compile(r"\x1b\[([0-9;:]*)m|\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*"
                   r"(?:\x07|\x1b\\)|\x1b.|(.)", re.S)


def convert(text, cols, rows):
    state, lines = {}, []
    for line in text.split("\n")[:rows]:
        runs, width = [], 0  # runs: [style key, [html pieces]]
        for m in TOKEN.finditer(line):
            if m.group(2) is None:
                if m.group(1) is not None:
                    sgr(state, m.group(1))
                continue
            if m.group(2) == "\r":
                continue
            key = tuple(sorted((k, v) for k, v in state.items() if v))
            piece, w = cell(m.group(2))
            if runs and runs[-1][0] == key:
                runs[-1][1].append(piece)
            else:
                runs.append([key, [piece]])
            width += w
        if width < cols:
            runs.append([(), [" " * (cols - width)]])
        lines.append("".join('<span style="%s">%s</span>' % (css(k), "".join(t)) if css(k)
                             else "".join(t) for k, t in runs))
    lines += [" " * cols] * (rows - len(lines))
    return "\n".join(lines)


PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
html,body{margin:0;padding:0;background:%(bg)s}
pre{margin:0;padding:10px;display:inline-block;background:%(bg)s;color:%(fg)s;
font-family:"%(font)s",monospace;font-size:%(fs)dpx;line-height:%(lh)dpx;
font-variant-ligatures:none;white-space:pre}
i{font-style:inherit;display:inline-block;text-align:center;overflow:visible;
height:%(lh)dpx;vertical-align:top}
i.w1{width:1ch} i.w2{width:2ch}
</style></head><body><pre>%(body)s</pre></body></html>
"""


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: ans2html.py COLS ROWS [FONT_PX] < capture.ans > screen.html")
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    fs = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    text = sys.stdin.buffer.read().decode("utf-8", "replace")
    # line height just under the font's ascent+descent (1.164 em): box lines overlap, never gap
    sys.stdout.write(PAGE % dict(bg=BG, fg=FG, font=FONT, fs=fs, lh=int(fs * 1.16),
                                 body=convert(text, cols, rows)))


if __name__ == "__main__":
    main()
