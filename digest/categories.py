"""arXiv's subject taxonomy as data: every category a paper can be filed under today, the archives
that group them, and the retired archives old papers still name; `category_problem` says what is
wrong with a name written in ``arxiv.categories`` and how to write it.

The list is arXiv's https://arxiv.org/category_taxonomy. arXiv changes it rarely, but does add
categories (eess and econ came in 2017): a name of the right shape that is not listed here may be
one added since, so it is a warning, never a refusal; a name that can never be arXiv's (a wrong
case, a wrong separator, a whole archive) is refused.

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

TAXONOMY_URL = "https://arxiv.org/category_taxonomy"

_CLASSES = {
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL"
          " RO SC SD SE SI SY",
    "econ": "EM GN TH",
    "eess": "AS IV SP SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
    "nlin": "AO CD CG PS SI",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn gen-ph"
               " geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "stat": "AP CO ME ML OT TH",
}  # fmt: skip
_WHOLE = "gr-qc hep-ex hep-lat hep-ph hep-th math-ph nucl-ex nucl-th quant-ph"
"""Archives that are a category themselves: they have no subject classes."""

ARCHIVES = frozenset(_CLASSES)
"""Archives whose papers are filed under their subject classes (``cs`` -> ``cs.LG``, ...)."""

CATEGORIES = frozenset(
    [f"{archive}.{c}" for archive, classes in _CLASSES.items() for c in classes.split()] + _WHOLE.split()
)
"""Every category arXiv files new papers under (155 as of 2025)."""

RETIRED = {
    "acc-phys": "physics.acc-ph", "adap-org": "nlin.AO", "alg-geom": "math.AG", "ao-sci": "physics.ao-ph",
    "atom-ph": "physics.atom-ph", "bayes-an": "physics.data-an", "chao-dyn": "nlin.CD", "chem-ph": "physics.chem-ph",
    "cmp-lg": "cs.CL", "comp-gas": "nlin.CG", "dg-ga": "math.DG", "funct-an": "math.FA", "mtrl-th": "cond-mat.mtrl-sci",
    "patt-sol": "nlin.PS", "plasm-ph": "physics.plasm-ph", "q-alg": "math.QA", "solv-int": "nlin.SI",
    "supr-con": "cond-mat.supr-con",
}  # fmt: skip
"""Archives of the 1990s that arXiv folded into others: old papers still carry them, new ones
go to the category named."""

MEANT = {"cs.ML": "cs.LG", "stat.LG": "stat.ML", "cs.NLP": "cs.CL"}
"""Names people write for a field arXiv names otherwise (machine learning is cs.LG and stat.ML)."""

_SHAPE = re.compile(r"[A-Z]{2}")
_LOWER_SHAPE = re.compile(r"[a-z]+(?:-[a-z]+)?")
_LOWER_ARCHIVES = ("physics", "cond-mat")
"""Subject classes are two capitals (``cs.LG``), but physics' and cond-mat's are lower-case words."""


def is_known(name: str) -> bool:
    """Whether ``name`` is a name in arXiv's taxonomy: a category, an archive, or a retired archive
    (any of these can stand in a paper's list of categories)."""
    return name in CATEGORIES or name in ARCHIVES or name in RETIRED


def _squashed(name: str) -> str:
    return re.sub(r"[\s._\-/:,]+", "", name.lower())


@cache
def _by_squashed() -> dict[str, str]:
    """Every known name by its letters alone (no two share them), built when a name is wrong."""
    return {_squashed(n): n for n in sorted(CATEGORIES | ARCHIVES | set(RETIRED))}


class CategoryProblem(NamedTuple):
    """What is wrong with a name, in words (the caller adds file, key and line), and whether
    digest refuses it (a setting to correct, exit 2) or only warns (it may be a newer category)."""

    message: str
    refuse: bool


def category_problem(name: str, *, env: str = "") -> CategoryProblem | None:
    """None when ``name`` is one of arXiv's categories; else what is wrong and the fix. ``env``:
    the variable the name came from (its list is split at commas), or "" for digest.toml."""
    if name in CATEGORIES:
        return None
    shown = repr(name if len(name) <= 60 else name[:57] + "...")
    written = _by_squashed().get(_squashed(name))
    if written is not None and written != name:  # cs.lg, cs-LG, 'cs.LG ', CS_LG
        if written in CATEGORIES:
            return CategoryProblem(f"{shown} is not an arXiv category; did you mean {written}?", True)
        inner = category_problem(written, env=env)
        return inner and CategoryProblem(inner.message.replace(repr(written), shown, 1), True)
    if name in ARCHIVES:
        examples = ", ".join(sorted(c for c in CATEGORIES if c.startswith(name + "."))[:3])
        return CategoryProblem(f"{shown} is a whole arXiv archive, and papers are filed under its categories;"
                               f" list the ones you want, e.g. {examples} (all of them: {TAXONOMY_URL})", True)
    if name in RETIRED:
        return CategoryProblem(f"{shown} is an arXiv archive retired long ago; its papers are now filed under"
                               f" {RETIRED[name]}: write that", True)
    suggestion = _suggest(name)
    archive, dot, subject = name.strip().partition(".")
    shaped = bool(dot) and archive in ARCHIVES and \
        (_LOWER_SHAPE if archive in _LOWER_ARCHIVES else _SHAPE).fullmatch(subject) is not None  # fmt: skip
    if not shaped and (archive in ARCHIVES or archive in CATEGORIES or name != name.strip() or not _NAME.fullmatch(name)):
        # a class that can never be arXiv's (cs.LGG, cs.L, hep-th.XX, cs.L G): no newer category looks like it
        if "," in name or " " in name.strip():
            how = f"separate them with commas: {env}=cs.LG,cs.CL" if env else "give each its own string: [\"cs.LG\", \"cs.CL\"]"
            return CategoryProblem(f"{shown} is not an arXiv category name; {how}", True)
        fix = f"did you mean {suggestion}?" if suggestion else f"see {TAXONOMY_URL} (e.g. cs.LG, stat.ML, hep-th)"
        return CategoryProblem(f"{shown} is not an arXiv category name; {fix}", True)
    fix = f"did you mean {suggestion}?" if suggestion else f"see {TAXONOMY_URL}"
    return CategoryProblem(f"{shown} is not one of arXiv's categories that digest knows, so it may fetch nothing;"
                           f" {fix} (ignore this if arXiv added it after this version of digest)", False)


_NAME = re.compile(r"[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?")
"""A name of a category's shape (as `digest.ids.CATEGORY`): an archive, then a dot and a class."""


def _suggest(name: str) -> str:
    """The known categories closest to ``name``, as ``a``, ``a or b`` or ``a, b or c``: the same
    subject class in another archive first (cs.ML -> stat.ML), then the closest spellings."""
    import difflib  # only when a name is wrong: not on every start

    low = name.strip().lower()
    subject = low.partition(".")[2]
    lowered = {c.lower(): c for c in sorted(CATEGORIES)}
    meant = [v for k, v in MEANT.items() if k.lower() == low]  # cs.ML and cs.ml alike
    same = [c for c in sorted(CATEGORIES) if subject and c.lower().partition(".")[2] == subject]
    # spellings only when nothing better is known (cs.ML is cs.LG or stat.ML, not cs.PL)
    close = [] if meant or same else [lowered[c] for c in difflib.get_close_matches(low, list(lowered), n=3, cutoff=0.75)]
    names = list(dict.fromkeys(meant + same + close))[:3]
    return " or ".join(names) if len(names) < 3 else f"{names[0]}, {names[1]} or {names[2]}"
