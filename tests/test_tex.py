"""arXiv TeX as Unicode: what a reader sees for the TeX real abstracts hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from digest import tex
from digest.tex import _squeeze, is_linear, paragraphs, tex_to_text, unicode_math


@pytest.mark.parametrize(
    "tex,text",
    [
        (r"A $1.45\times$ speedup", "A 1.45× speedup"),
        (r"Fr\'echet distance", "Fréchet distance"),
        (r"R\'{e}nyi entropy of $\delta$-Bose gases", "Rényi entropy of δ-Bose gases"),
        (r"\textbf{Manticore}: hybrids \emph{without} 50% loss", "Manticore: hybrids without 50% loss"),
        (r"cost $O(n \log n)$ and $\mathcal{O}(1)$ memory", "cost O(n log n) and 𝒪(1) memory"),
        (r"the smallest number of i.i.d.\ samples", "the smallest number of i.i.d. samples"),
        (r"the Jensen--Shannon divergence of $p$ and $q$", "the Jensen–Shannon divergence of p and q"),
        (r"R&D at 25\% of $\{1, \dots, n\}$", "R&D at 25% of {1, …, n}"),
        (r"$\alpha \beta$ and \alpha \beta x", "αβ and αβx"),
        (r"{B}ERT and GPT~3", "BERT and GPT\xa03"),
        # A dollar amount is not math: with no closing "$" it stays as written.
        (r"awarded $35,000 in total for the bugs \emph{reported}.", "awarded $35,000 in total for the bugs reported."),
        ("no TeX here --  just\n  words", "no TeX here -- just words"),
        # Accents without braces, as arXiv author lists write them.
        (r"Mart\'\i nez and na\"\i ve", "Martínez and naïve"),
        (r"Erd\H os, \v Sim\v cik, Fran\c cois, \' e", "Erdős, Šimčik, François, é"),
        (r"\textbf{a\textbf{b\textbf{c\textbf{d\textbf{e}}}}} f", "abcde f"),
    ],
)
def test_tex_reads_as_unicode(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


def test_broken_tex_never_stops_a_render() -> None:
    assert tex_to_text(r"see \href{http://a}{here}, $\frac{1}{$ and \end{x}") != ""


def test_abstract_paragraphs_split_at_blank_and_indented_lines() -> None:
    abstract = "First $x$ paragraph\nstill first.\n\nSecond one.\n  Third, arXiv-indented."
    assert paragraphs(abstract) == ["First x paragraph still first.", "Second one.", "Third, arXiv-indented."]


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("ab. \t\n\r\f\v\xa0é")), max_size=60))
def test_whitespace_runs_become_one_space(text: str) -> None:
    expected = " ".join(part for part in text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
                        .replace("\f", " ").replace("\v", " ").split(" ") if part)  # fmt: skip
    assert _squeeze(text) == expected.strip()


@pytest.mark.parametrize(("tex", "text"), [
    # pylatexenc's text rules lacked these: the words were dropped (31 \texttt in the two 2025 weeks)
    (r"code in \texttt{torchtune} and \textsf{JAX}, \mbox{as is}", "code in torchtune and JAX, as is"),
    (r"the $\operatorname{sgn}(x)$ trick", "the sgn(x) trick"),
    # and \href failed inside pylatexenc, leaving the whole span as TeX (22 in the two weeks)
    (r"Code is at \href{https://github.com/a/b}{this URL}.", "Code is at this URL (<https://github.com/a/b>)."),
    (r"at \href{https://x.org/y}{https://x.org/y}.", "at <https://x.org/y>."),
    (r"Done\footnote{\href{https://x.org/y}{\url{https://x.org/y}}} ok", "Done[<https://x.org/y>] ok"),
    (r"see \href {https://x.org/a_b%20c}{\texttt{repo}}", "see repo (<https://x.org/a_b%20c>)"),
])  # fmt: skip
def test_macros_that_carry_words_keep_them(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


@pytest.mark.parametrize(("math", "text", "linear"), [
    ("O(n^{2})", "O(n²)", True),  # as LaTeXML writes a caption's $O(n^2)$
    ("O(n^2)", "O(n²)", True),
    ("x_{t-1}", "xₜ₋₁", True),
    (r"\mathbb{R}^{d}", "ℝᵈ", True),
    (r"\beta=0.5", "β=0.5", True),
    (r"\frac{1}{n}\sum_i \ell_i", "1/n∑ᵢ ℓᵢ", False),  # written linearly outside the HTML page
    ("2^{n/2}", "2^(n/2)", False),
    ("x^{y^{z}}", "x^(yᶻ)", False),
])  # fmt: skip
def test_math_reads_as_one_line_of_unicode(math: str, text: str, linear: bool) -> None:
    assert (unicode_math(math), is_linear(math)) == (text, linear)


@pytest.mark.parametrize("shape", ["x^{", "{^", "^{", "_{", "{a_", "\\a{^", "^"])
def test_math_nested_thousands_deep_is_read_in_linear_time(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A formula from arXiv (a figure caption's alttext) nested thousands deep: it exhausted Python's
    stack (RecursionError) and was read once per level. Now levels stop at a fixed depth and each
    reads the formula once at most: the characters read stay a constant times its length."""
    math = shape * (24_000 // len(shape)) + "}" * 8_000
    read: list[int] = []
    inner = tex._math.__wrapped__

    def counting(text: str, depth: int = 0) -> tuple[str, bool]:
        read.append(len(text))
        return inner(text, depth)

    monkeypatch.setattr(tex, "_math", counting)
    out = unicode_math(math)
    assert out
    assert sum(read) <= 12 * len(math)
