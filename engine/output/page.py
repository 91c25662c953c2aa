"""What every HTML report shares: one look (``templates/base.html``: the run report's style,
cards and header), one Jinja environment, the partnership view and the page's one script.

Reports are self-contained pages: inline CSS and SVG, no network, and a Content-Security-
Policy that lets only the page's own script run (by its hash). Jinja2 autoescapes every value.

The partnership view: an address ending in ``#partnership=NAME`` (NAME in any case, or the
header's selector) hides every element whose ``data-partnership`` names another partnership
(``data-partnerships``: a JSON list, a pair's two sides, shown when either is NAME), and
every whole-campaign element marked ``data-overview``, so each section shows that
partnership only.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from engine import __version__

VIEW_SCRIPT = """
(function () {
  "use strict";
  var select = document.getElementById("view-partnership");
  var note = document.getElementById("view-note");
  function wanted() {
    return new URLSearchParams(window.location.hash.slice(1)).get("partnership") || "";
  }
  function names(el) {  // data-partnerships: a JSON list (a pair's two sides)
    if (el.dataset.partnerships) { return JSON.parse(el.dataset.partnerships); }
    return [el.dataset.partnership];
  }
  function spelt(name) {  // the selector's spelling of a name typed in another case
    var lower = name.toLowerCase();
    var found = select ? Array.prototype.filter.call(select.options, function (option) {
      return option.value.toLowerCase() === lower;
    }) : [];
    return found.length ? found[0].value : name;
  }
  function show() {
    var name = spelt(wanted());
    document.querySelectorAll("[data-partnership], [data-partnerships]").forEach(function (el) {
      el.classList.toggle("pt-off", name !== "" && names(el).indexOf(name) < 0);
    });
    document.querySelectorAll("[data-overview]").forEach(function (el) {
      el.classList.toggle("pt-off", name !== "");
    });
    if (select) { select.value = name; }
    if (note) { note.hidden = name === ""; }
    document.documentElement.dataset.view = name;
    document.dispatchEvent(new Event("partnership-view"));
  }
  if (select) {
    select.addEventListener("change", function () {
      var params = new URLSearchParams(window.location.hash.slice(1));
      if (select.value) { params.set("partnership", select.value); }
      else { params.delete("partnership"); }
      window.location.hash = params.toString();
    });
  }
  window.addEventListener("hashchange", show);
  show();
  document.documentElement.dataset.ready = "yes";
})();
"""


def environment(*packages: str) -> Environment:
    """Templates of ``packages`` (each its ``templates`` folder), then engine.output's own
    (``base.html``), autoescaped, failing on any undefined name."""
    loaders = [PackageLoader(package, "templates") for package in (*packages, "engine.output")]
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_page(
    env: Environment,
    template: str,
    context: dict[str, Any],
    *,
    partnerships: Iterable[str] = (),
    script: str = "",
) -> str:
    """One report page: ``context`` into ``template`` (which extends ``base.html``), with the
    partnership selector listing ``partnerships`` and ``script`` run after the view's."""
    code = VIEW_SCRIPT + script
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
    return env.get_template(template).render(
        **context,
        version=__version__,
        view_partnerships=sorted({str(name) for name in partnerships}),
        script=Markup(code),
        script_hash=f"sha256-{digest}",
    )
