"""The built course pages work in a real browser: images, dropdowns, math, links, console, and
a phone: no sideways scrolling at 390 px, previous/next at every page's end, every image
explained, no internal wording.

Builds the site into a temporary folder, serves it on 127.0.0.1 and opens every page in Debian's
Chromium driven by Playwright (``apt-get install chromium``, ``pip install playwright``; no
browser download). Skipped, with the reason, where either is missing; CI installs both.
A screenshot of the landing page is kept in ``test-artifacts/landing.png``.
"""

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urldefrag, urlsplit

import pytest

from pix2pix.paths import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}  # a common phone's CSS viewport
# words about how the course is made, not about pix2pix: a page speaks to students only
INTERNAL_WORDING = re.compile(r"\b(?:[Ii]ssues?|[Tt]ickets?|TODO|[Tt]he team|CI|[Ss]essions?|"
                              r"[Gg]oals?|not met|GPU proof|Not measured yet)\b")
PAGE_SOURCE = re.compile(r"\bdocs/\w+\.rst\b")  # a student knows a page by its title and link


def missing(reason):
    """Skip on a machine without the browser; fail in CI, whose .ci/run installs it."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


try:
    from playwright import sync_api
except ImportError:
    missing("playwright is not installed: pip install -r requirements.txt")
if shutil.which(CHROMIUM) is None:
    missing(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass  # one line per request would bury pytest's output


def build_and_serve(out, *options):
    """Build the pages into ``out`` as CI does and serve them; yields the base URL and ``out``.

    ``options`` go to sphinx-build, e.g. ``-D sketchpad_model=PATH``.
    """
    subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-c",
                    str(PROJECT_ROOT), *options, "-b", "html", str(PROJECT_ROOT / "docs"),
                    str(out)], check=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", out
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The pages as CI builds them, served; yields the base URL and the build folder."""
    yield from build_and_serve(tmp_path_factory.mktemp("html"))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def page_names(build):
    return sorted(str(p.relative_to(build)) for p in build.rglob("*.html")
                  if "_static" not in p.parts)


def open_page(browser, url):
    """Open ``url``; return the page and the list of console errors and failed requests."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []

    def on_console(message):
        # a failed load is reported with its URL by on_response (the favicon included: a
        # browser asks for /favicon.ico when a page names no icon)
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    response = page.goto(url, wait_until="load")
    assert response.status == 200, url
    return page, problems


def reading_order(browser, base):
    """The pages in the order of the landing page's table of contents, the landing page first."""
    page, _ = open_page(browser, base + "index.html")
    links = page.eval_on_selector_all("article .toctree-wrapper a.reference.internal",
                                      "links => links.map(a => a.href.split('#')[0])")
    page.close()
    return [base + "index.html"] + list(dict.fromkeys(links))


# What a phone shows of one page, measured in the browser once the equations are typeset.
PHONE_FACTS = """() => {
  const width = document.documentElement.clientWidth;
  const isShown = el => el.checkVisibility() && el.getBoundingClientRect().width > 0;
  // content past the right edge is fine only inside a box that scrolls on its own (a code
  // block, a table); elsewhere it widens the page or is cut off. Drawers that slide in
  // (position: fixed) and MathJax's text for screen readers are not content on screen.
  const cutOff = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 1 || !isShown(el) || el.closest("mjx-assistive-mml")) continue;
    let fixed = false, scroller = null;
    for (let up = el.parentElement; up && !scroller; up = up.parentElement) {
      fixed = fixed || getComputedStyle(up).position === "fixed";
      if (getComputedStyle(up).overflowX !== "visible") scroller = up;
    }
    if (fixed || getComputedStyle(el).position === "fixed") continue;
    const scrolls = scroller && ["auto", "scroll"].includes(getComputedStyle(scroller).overflowX)
                    && scroller.getBoundingClientRect().right <= width + 1;
    if (!scrolls) cutOff.push(`<${el.tagName.toLowerCase()} class="${el.getAttribute("class")}">`
                              + ` ${(el.textContent || "").trim().slice(0, 60)}`);
  }
  const article = document.querySelector("article");  // the search page has none
  const below = article ? [...document.querySelectorAll("a[href]")].filter(
    a => isShown(a) && a.getBoundingClientRect().top >= article.getBoundingClientRect().bottom)
    : [];
  const text = document.body.cloneNode(true);
  text.querySelectorAll("script, style, noscript").forEach(el => el.remove());
  const prose = text.cloneNode(true);  // without the code and the printouts
  prose.querySelectorAll("pre").forEach(el => el.remove());
  return {
    scrollWidth: document.documentElement.scrollWidth, width, cutOff,
    linksBelowArticle: below.map(a => a.href.split("#")[0]),
    unexplainedImages: [...document.querySelectorAll("img")].filter(img => {
      const caption = img.closest("figure")?.querySelector("figcaption");
      return !(caption && caption.textContent.trim()) && !img.alt.trim();
    }).map(img => img.src),
    text: text.textContent,
    prose: prose.textContent,
    figures: [...document.querySelectorAll("article figure img")].filter(isShown).map(img => ({
      src: img.src, width: img.getBoundingClientRect().width, natural: img.naturalWidth,
      column: img.closest("figure").parentElement.clientWidth,  // the text's width there
      link: img.closest("a.full-size")?.href ?? null,
      phoneVariant: !!img.closest("figure.phone-screen")})),
  };
}"""


@pytest.fixture(scope="module")
def on_a_phone(site, browser):
    """Every page opened once at 390 px: what PHONE_FACTS measures, by page name."""
    base, build = site
    facts = {}
    for name in page_names(build):
        page = browser.new_page(viewport=PHONE)
        page.goto(base + name, wait_until="load")  # images loaded: they have their width
        page.evaluate("() => window.MathJax?.startup?.promise")  # and so have the equations
        facts[name] = page.evaluate(PHONE_FACTS)
        page.close()
    return facts


def test_no_page_scrolls_sideways_or_cuts_content_off_on_a_phone(on_a_phone):
    for name, facts in on_a_phone.items():
        assert facts["scrollWidth"] <= facts["width"], f"{name} scrolls sideways at 390 px"
        assert facts["cutOff"] == [], f"{name}: wider than a phone, not in a scroll box"


def test_every_page_ends_with_previous_and_next_in_reading_order(site, browser, on_a_phone):
    base, _ = site
    order = reading_order(browser, base)
    assert len(order) >= 8, order  # the landing page, concepts, three exercises, ...
    for i, url in enumerate(order):
        expected = {order[j] for j in (i - 1, i + 1) if 0 <= j < len(order)}
        name = url[len(base):]
        below = set(on_a_phone[name]["linksBelowArticle"]) & set(order)
        assert below == expected, f"{name}: pages linked below the text {below}, not {expected}"


def test_every_figure_spans_a_phone_and_opens_full_size_on_a_tap(on_a_phone):
    shown = 0
    for name, facts in on_a_phone.items():
        for figure in facts["figures"]:
            what = f"{name}: {figure['src'].rsplit('/', 1)[1]}"
            assert figure["width"] >= 0.95 * figure["column"], (
                f"{what} is {figure['width']:.0f} px wide, the text {figure['column']} px")
            assert figure["link"] == figure["src"], f"{what}: a tap opens {figure['link']}"
            if figure["phoneVariant"]:  # drawn narrow: its labels keep most of their size
                assert figure["width"] >= 0.7 * figure["natural"], what
            shown += 1
    assert shown >= 15  # the figures of this copy: those of the official weights come on top


def test_a_figure_drawn_for_both_screens_shows_the_one_that_fits(site, browser):
    base, _ = site
    screens = ((PHONE, "phone-screen"), ({"width": 1280, "height": 900}, "wide-screen"))
    for viewport, fits in screens:
        page = browser.new_page(viewport=viewport)
        page.goto(base + "exercise3.html", wait_until="load")
        shown = page.eval_on_selector_all(
            "figure.phone-screen, figure.wide-screen",
            "figures => figures.filter(f => f.checkVisibility()).map(f => f.className)")
        pairs = page.locator("figure.phone-screen").count()  # each has a wide-screen twin
        assert pairs >= 2 and len(shown) == pairs, (viewport, shown)
        assert all(fits in classes for classes in shown), (viewport, shown)
        page.close()


def test_every_image_has_a_caption_or_alt_text(on_a_phone):
    for name, facts in on_a_phone.items():
        assert facts["unexplainedImages"] == [], f"{name}: images without caption or alt text"


def test_no_page_speaks_of_how_the_course_is_made(on_a_phone):
    for name, facts in on_a_phone.items():
        found = [match.group(0) for match in INTERNAL_WORDING.finditer(facts["text"])]
        assert found == [], f"{name} says {found}"
        cited = PAGE_SOURCE.findall(facts["prose"])
        assert cited == [], f"{name} cites page sources {cited}: link the page instead"


def test_every_page_has_loaded_images_and_no_console_errors(site, browser):
    base, build = site
    for name in page_names(build):
        page, problems = open_page(browser, base + name)
        page.wait_for_load_state("networkidle")
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert broken == [], f"{name}: images that did not load: {broken}"
        assert problems == [], f"{name}: {problems}"
        page.close()


def test_every_dropdown_opens_on_click(site, browser):
    base, build = site
    opened = 0
    for name in page_names(build):
        page, problems = open_page(browser, base + name)
        dropdowns = page.locator("details.sd-dropdown")
        for i in range(dropdowns.count()):
            dropdown = dropdowns.nth(i)
            assert not dropdown.evaluate("d => d.open"), f"{name}: dropdown {i} starts open"
            dropdown.locator("summary").click()
            assert dropdown.evaluate("d => d.open"), f"{name}: dropdown {i} did not open"
            content = dropdown.locator(".sd-summary-content")
            assert content.is_visible(), f"{name}: dropdown {i} opened with nothing to show"
            opened += 1
        assert problems == [], f"{name}: {problems}"
        page.close()
    assert opened >= 10  # the concepts and summary pages hold most of them


def test_equations_render_with_the_local_mathjax(site, browser):
    base, _ = site
    page, problems = open_page(browser, base + "concepts.html")
    script = page.eval_on_selector("script[src*='tex-chtml']", "s => s.src")
    assert script.startswith(base), f"MathJax must come from the site itself, not {script}"
    page.wait_for_selector("mjx-container", timeout=20_000)
    assert page.locator("mjx-container").count() >= 4  # equations 1-4
    assert problems == []
    page.close()


def test_every_internal_link_and_download_resolves(site, browser):
    base, build = site
    links = set()
    for name in page_names(build):
        page, _ = open_page(browser, base + name)
        links.update(page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"))
        page.close()
    internal = sorted(link for link in links if link.startswith(base))
    assert any("/_downloads/" in link for link in internal), "no :download: link found"
    bodies = {}
    for link in internal:
        url, fragment = urldefrag(link)
        url = url.split("?")[0]
        if url not in bodies:
            try:
                with urllib.request.urlopen(url) as response:
                    bodies[url] = response.read().decode("utf-8", errors="replace")
            except urllib.error.HTTPError as error:
                pytest.fail(f"{link}: HTTP {error.code}")
        if fragment and urlsplit(url).path.endswith(".html"):
            assert re.search(f'id="{re.escape(fragment)}"', bodies[url]), f"{link}: no anchor"


def test_exercise_pages_offer_their_notebooks_and_no_colab_while_the_repository_is_unset(
        site, browser):
    base, _ = site
    pages = {"exercise1.html": ["exercise1.ipynb"], "exercise2.html": ["exercise2.ipynb"],
             "exercise3.html": ["exercise3.ipynb"],
             "exercise3_ablations.html": ["exercise3_ablations.ipynb"]}
    for name, notebooks in pages.items():
        page, problems = open_page(browser, base + name)
        buttons = page.locator("a.download", has_text="Download notebook")
        assert buttons.count() == len(notebooks) and buttons.first.is_visible(), name
        links = [buttons.nth(i).get_attribute("href") for i in range(buttons.count())]
        assert [link.rsplit("/", 1)[1] for link in links] == notebooks, name
        for link in links:
            with urllib.request.urlopen(base + link) as response:
                assert json.load(response)["nbformat"] == 4
        assert page.locator("a[href*='colab.research.google.com']").count() == 0, name
        assert problems == []
        page.close()


def test_pages_are_light_and_draw_the_theme_icons_from_its_font(site, browser):
    base, build = site
    assert (build / "_static" / "scripts" / "fontawesome.js").stat().st_size < 1_000  # emptied
    page = browser.new_page(viewport=PHONE)  # the phone's header shows the most icons
    loaded = []
    page.on("requestfinished", lambda request: loaded.append(request.sizes()["responseBodySize"]))
    page.goto(base + "summary.html", wait_until="networkidle")
    assert sum(loaded) < 1_000_000, f"summary.html loads {sum(loaded):,} bytes"
    icons = page.eval_on_selector_all("i.fa-solid", """icons => icons
        .filter(i => i.checkVisibility()).map(i => {
          const glyph = getComputedStyle(i, "::before");
          return {font: glyph.fontFamily, drawn: glyph.content !== "none" && i.offsetWidth > 8};
        })""")
    assert len(icons) >= 3 and all(icon["drawn"] and "Font Awesome" in icon["font"]
                                   for icon in icons), icons
    icon_url = page.eval_on_selector("link[rel='icon']", "link => link.href")
    with urllib.request.urlopen(icon_url) as response:
        assert b"<svg" in response.read()
    page.close()


def test_landing_page_screenshot_is_kept(site, browser):
    base, _ = site
    page, problems = open_page(browser, base + "index.html")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "landing.png"), full_page=True)
    assert (ARTIFACTS / "landing.png").stat().st_size > 10_000
    assert "What you will learn" in page.inner_text("body")
    assert problems == []
    page.close()
