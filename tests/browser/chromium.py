"""Debian's chromium, headless: the serialised DOM of a page after it loaded, and a screenshot of it.

Each run gets a new, empty profile and nothing that talks to the network on
its own (no sync, no component updates, no QUIC, no background requests):
the page under test is a local file and must need nothing else.
"""

import json
import os
import shutil
import subprocess
import tempfile
from html import unescape
from html.parser import HTMLParser

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTEFACTS = os.path.join(REPO_ROOT, "build", "test-artefacts")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium():
    """The chromium binary, or None (tools/debian-packages.txt lists the package)."""
    return shutil.which("chromium")


def missing_reason():
    return None if chromium() else "chromium missing: apt-get install chromium (tools/system-deps.sh as root)"


def _run(page, *extra, timeout=120):
    profile = tempfile.mkdtemp(prefix="chromium-profile.")
    try:
        completed = subprocess.run([chromium()] + FLAGS + ["--user-data-dir=%s" % profile] + list(extra)
                                   + ["file://" + os.path.abspath(page)],
                                   capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


def dump_dom(page):
    """The DOM chromium built from the page, serialised."""
    return _run(page, "--dump-dom").stdout


def screenshot(page, name, size="1400,900"):
    """Save a PNG of the page as build/test-artefacts/NAME; its path."""
    os.makedirs(ARTEFACTS, exist_ok=True)
    path = os.path.join(ARTEFACTS, name)
    if os.path.exists(path):
        os.unlink(path)
    _run(page, "--screenshot=%s" % path, "--window-size=%s" % size)
    assert os.path.getsize(path) > 0, "chromium wrote no screenshot"
    return path


# Run in the test's copy of the page only (the page itself has no script): the colours chromium
# computed for every element of each row, tile and banner, and which of them are green.
COLOUR_PROBE = """<script>
function green(colour) {
  var m = colour.match(/rgba?\\((\\d+), (\\d+), (\\d+)(, ([\\d.]+))?/);
  if (!m || (m[5] !== undefined && Number(m[5]) === 0)) return false;
  var r = Number(m[1]), g = Number(m[2]), b = Number(m[3]);
  return g > r + 30 && g > b + 10;
}
function probe(root) {
  var found = [];
  [root].concat(Array.prototype.slice.call(root.querySelectorAll("*"))).forEach(function (element) {
    var style = getComputedStyle(element);
    var parts = [["color", style.color], ["background", style.backgroundColor]];
    ["Left", "Top", "Right", "Bottom"].forEach(function (side) {
      if (parseFloat(style["border" + side + "Width"]) > 0)
        parts.push(["border-" + side, style["border" + side + "Color"]]);
    });
    parts.forEach(function (part) {
      if (green(part[1])) found.push(element.tagName + "." + element.className + " " + part[0] + " " + part[1]);
    });
  });
  return {text: root.textContent, green: found};
}
var result = {rows: {}, tiles: [], banner: ""};
document.querySelectorAll("tr[data-host]").forEach(function (row) { result.rows[row.dataset.host] = probe(row); });
document.querySelectorAll(".tiles li").forEach(function (tile) { result.tiles.push(probe(tile)); });
var banner = document.querySelector(".banner");
result.banner = banner ? banner.textContent : "";
var out = document.createElement("pre");
out.id = "colour-probe";
out.textContent = JSON.stringify(result);
document.body.appendChild(out);
</script>"""


def text_colours(page, directory):
    """{rows: {host: {text, green}}, tiles: [{text, green}], banner}: chromium's computed colours of the page.

    ``green`` lists each colour, background or visible border that is green. The probe runs in a copy of the
    page in ``directory``.
    """
    with open(page) as handle:
        html = handle.read()
    probed = os.path.join(str(directory), "probed-" + os.path.basename(page))
    with open(probed, "w") as handle:
        handle.write(html.replace("</body>", COLOUR_PROBE + "\n</body>"))
    dom = _run(probed, "--dump-dom").stdout
    start = dom.index('<pre id="colour-probe">') + len('<pre id="colour-probe">')
    return json.loads(unescape(dom[start:dom.index("</pre>", start)]))


class RenderedRows(HTMLParser):
    """From a rendered DOM: the text of each table row (by its data-host), and every element name seen."""

    def __init__(self):
        super().__init__()
        self.rows = {}
        self.tags = set()
        self._host = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "tr" and dict(attrs).get("data-host") is not None:
            self._host = dict(attrs)["data-host"]
            self.rows[self._host] = ""

    def handle_endtag(self, tag):
        if tag == "tr":
            self._host = None

    def handle_data(self, data):
        if self._host is not None:
            self.rows[self._host] += data


def rendered_rows(dom):
    parser = RenderedRows()
    parser.feed(dom)
    return parser
