"""Math rules beyond the fixtures: rules together, real MathJax, pathological input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan
from blogtool.registry import load_registry
from blogtool.tex import (
    MAX_PYLATEXENC_CHARS,
    pylatexenc_verdict,
    scan_math,
)

REGISTRY = load_registry(entry_points=False)


def lint(source: str, select: str = "BT3") -> list[tuple[int, int, str]]:
    plan = make_plan(Config(), select=[select], registry=REGISTRY)
    result = lint_text(source, "draft.md", plan)
    return [(v.line, v.col, v.rule_id) for v in result.violations]


def test_an_unclosed_display_math_does_not_hide_later_math_errors() -> None:
    source = (
        "## DPO\n"
        "\n"
        "$$\n"
        "\\mathcal{L} = -\\log \\sigma(\\beta r)\n"
        "\n"
        "The loss above has no reward model.\n"
        "\n"
        "## IPO\n"
        "\n"
        "$$\n"
        "x^2^3 + \\frac{a}{b\n"
        "$$\n"
        "\n"
        "Inline $a_i_j$ too.\n"
    )
    assert lint(source) == [
        (3, 1, "BT302"),
        (11, 17, "BT301"),
        (14, 12, "BT304"),
    ]


# Formulas as they appear in ML posts, all accepted by MathJax.
VALID_MATHJAX = [
    r"\mathrm{softmax}(QK^\top/\sqrt{d_k})V",
    r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{QK^T}{\sqrt{d_k}}\right)V",
    r"\mathcal{L}_{\text{DPO}}",
    r"\mathcal{L}_\text{DPO}(\pi_\theta; \pi_\text{ref}) = -\mathbb{E}_{(x, y_w, y_l) \sim "
    r"\mathcal{D}}\left[\log \sigma\left(\beta \log \frac{\pi_\theta(y_w \mid x)}"
    r"{\pi_\text{ref}(y_w \mid x)} - \beta \log \frac{\pi_\theta(y_l \mid x)}"
    r"{\pi_\text{ref}(y_l \mid x)}\right)\right]",
    r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
    r"\operatorname*{arg\,max}_{\theta}",
    r"\mathbb{E}_{x \sim p}[\log \sigma(\beta r)]",
    r"\left[ \frac{a}{b} \right]",
    r"\{ x \}",
    r"\|x\|_2",
    r"\left\{ \begin{array}{ll} 1 & x > 0 \\ 0 & \text{otherwise} \end{array} \right.",
    r"x_{t-1}",
    r"\hat{y}^{(i)}",
    r"\underbrace{a + b}_{\text{two}}",
    r"\overbrace{x_1 + \dots + x_n}^{n}",
    r"\overset{!}{=}",
    r"\underset{x}{\arg\min}",
    r"p_\theta(y \mid x)",
    r"\tfrac12",
    r"\frac12 + \dfrac{1}{2} + \cfrac{1}{1 + \cfrac{1}{2}}",
    r"\big( \Big[ \bigg\{ \Bigg\langle x \Bigg\rangle \bigg\} \Big] \big)",
    r"a = b % a comment with a stray brace }",
    r"\label{eq:1} \tag{1}",
    r"\begin{aligned} x &= 1 \\[4pt] y &= 2 \end{aligned}",
    r"\newcommand{\R}{\mathbb{R}} f: \R^n \to \R",
    r"\newcommand{\norm}[1]{\left\lVert #1 \right\rVert} \norm{x}",
    r"\begin{matrix} a & b \\ c & d \end{matrix}",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
    r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}",
    r"\begin{vmatrix} a & b \\ c & d \end{vmatrix}",
    r"f(x) = \begin{cases} x & x \ge 0 \\ -x & \text{otherwise} \end{cases}",
    r"\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}",
    r"\begin{align*} a &= b \\ c &= d \end{align*}",
    r"\begin{equation} E = mc^2 \end{equation}",
    r"\begin{split} a &= b \\ &= c \end{split}",
    r"\begin{gathered} a \\ b \end{gathered}",
    r"\nabla_\theta J(\theta) = \mathbb{E}_{\tau \sim \pi_\theta}\left[\sum_{t=0}^{T} "
    r"\nabla_\theta \log \pi_\theta(a_t \mid s_t) \, G_t\right]",
    r"D_{\mathrm{KL}}(p \,\|\, q) = \sum_x p(x) \log \frac{p(x)}{q(x)}",
    r"q(\mathbf{x}_t \vert \mathbf{x}_{t-1}) = \mathcal{N}(\mathbf{x}_t; "
    r"\sqrt{1 - \beta_t} \mathbf{x}_{t-1}, \beta_t\mathbf{I})",
    r"\bar{\alpha}_t = \prod_{s=1}^t \alpha_s",
    r"\epsilon_\theta(\sqrt{\bar\alpha_t}\mathbf{x}_0 + \sqrt{1-\bar\alpha_t}\epsilon, t)",
    r"L^{\text{CLIP}}(\theta) = \hat{\mathbb{E}}_t\left[\min(r_t(\theta)\hat{A}_t, "
    r"\text{clip}(r_t(\theta), 1-\epsilon, 1+\epsilon)\hat{A}_t)\right]",
    r"\text{PPL}(X) = \exp\left\{ -\frac{1}{t}\sum_i^t \log p_\theta(x_i \mid x_{<i}) \right\}",
    r"h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t)",
    r"\mathrm{LayerNorm}(x + \mathrm{Sublayer}(x))",
    r"PE_{(pos, 2i)} = \sin(pos / 10000^{2i/d_{\text{model}}})",
    r"W^{Q}_i \in \mathbb{R}^{d_{\text{model}} \times d_k}",
    r"\theta \leftarrow \theta - \eta \nabla_\theta \mathcal{L}",
    r"x'^2 + f''(x) + y'_i + {x^2}^3 + x^{2^3} + x_i^2 + x^2_i",
    r"\sum\limits_{i=1}^{n} x_i + \int_0^1 f(x)\,dx + \lim_{x \to 0} \frac{\sin x}{x}",
    r"e^{i\pi} + 1 = 0",
    r"\left. \frac{df}{dx} \right|_{x=0}",
    r"\left\langle a, b \right\rangle",
    r"\left\lVert x \right\rVert_2^2",
    r"\left\{ x \;\middle|\; x > 0 \right\}",
    r"\text{naïve} + \operatorname{softmax}(z)_i",
    r"\mathbf{W} \in \mathbb{R}^{m \times n}, \; \boldsymbol{\mu}, \bm{x}",
    r"\binom{n}{k} = \frac{n!}{k!(n-k)!}",
    r"\color{red}{x} + \textcolor{blue}{y}",
    r"\cancel{x} + \phantom{0} + \boxed{E = mc^2}",
    r"\xrightarrow{\text{train}} \quad \xleftarrow[a]{b}",
    r"\stackrel{\text{def}}{=}",
    r"\sideset{_1^2}{_3^4}\sum",
    r"{}_{n}C_{k}",
    r"\mathbb{1}[y = \hat{y}]",
    r"\|W\|_F = \sqrt{\sum_{i,j} |w_{ij}|^2}",
    r"\log \frac{\pi^*(y \mid x)}{\pi_\text{ref}(y \mid x)}",
    r"r^*(x, y) = \beta \log \frac{\pi^*(y|x)}{\pi_{ref}(y|x)} + \beta \log Z(x)",
    r"A^\intercal, A^\top, A^T, A^{-1}, A^\dagger",
    r"\mathcal{O}(n^2 \cdot d)",
    r"\approx \propto \sim \simeq \equiv \coloneqq",
    r"x_1, \ldots, x_n \quad x_1 + \cdots + x_n",
    r"\frac{\partial \mathcal{L}}{\partial w_{ij}}",
    r"\underbrace{\mathbb{E}_{q}[\log p(x \mid z)]}_{\text{reconstruction}} - "
    r"\underbrace{D_{KL}(q(z \mid x) \| p(z))}_{\text{regularization}}",
    r"\mathrm{d}x \, \mathrm{d}y",
    r"\max_{\pi} \mathbb{E}_{x \sim \mathcal{D}, y \sim \pi(y|x)}[r(x,y)] - "
    r"\beta \mathbb{D}_{\text{KL}}[\pi(y|x) \| \pi_{\text{ref}}(y|x)]",
    r"Q(s, a) \leftarrow Q(s, a) + \alpha [r + \gamma \max_{a'} Q(s', a') - Q(s, a)]",
    r"V^\pi(s) = \mathbb{E}_\pi[G_t \mid S_t = s]",
    r"\gamma^{k}R_{t+k+1}",
    r"\mathbf{h}^{(l+1)} = \sigma(\mathbf{W}^{(l)} \mathbf{h}^{(l)} + \mathbf{b}^{(l)})",
    r"\hat{\mathbf{x}}_0",
    r"\widetilde{W}, \widehat{W}, \vec{v}, \dot{x}, \ddot{x}, \overline{z}, \underline{z}",
    r"\#\text{params} = 175 \times 10^9",
    r"\$5",
    r"100\%",
    r"a \\ b",
    r"x\ y",
    r"\mathop{\mathrm{argmin}}_{w} \; \frac{1}{2}\|w\|^2",
    r"\verb|x|",
]


@pytest.mark.parametrize("tex", VALID_MATHJAX)
def test_valid_mathjax_is_never_flagged(tex: str) -> None:
    inline = f"The formula ${tex}$ is fine.\n"
    display = f"$$\n{tex}\n$$\n"
    assert lint(inline) == []
    assert lint(display) == []


def test_pylatexenc_is_consulted_before_a_brace_error_is_reported() -> None:
    # The scan reads \verb|{| as an open brace; pylatexenc knows \verb, so no report.
    assert scan_math(r"\verb|{| x").structure is not None
    assert pylatexenc_verdict(r"\verb|{| x").status == "ok"
    assert lint("$$\\verb|{| x$$\n") == []


def test_pylatexenc_verdict_never_raises_on_deep_nesting() -> None:
    deep = "{" * 3000 + "}" * 3000  # pylatexenc recurses once per level
    assert pylatexenc_verdict(deep).status in ("ok", "unknown")


def test_pylatexenc_is_not_asked_about_huge_spans() -> None:
    huge = "{" + "x" * MAX_PYLATEXENC_CHARS
    assert pylatexenc_verdict(huge).status == "unknown"
    assert pylatexenc_verdict("{x").status == "error"


def test_a_huge_span_is_judged_by_the_scan_alone() -> None:
    huge = "\\frac{a}{b" + " + x" * MAX_PYLATEXENC_CHARS
    assert lint(f"$${huge}$$\n", "BT301") == [(1, 11, "BT301")]


@pytest.mark.parametrize(
    "source",
    [
        "$$" + "{" * 10000 + "$$\n",
        "$$" + "{" * 5000 + "}" * 5000 + "$$\n",
        "$$" + "}" * 10000 + "$$\n",
        "$$" + "\\left(" * 10000 + "$$\n",
        "$$" + "\\right)" * 10000 + "$$\n",
        "$$" + "\\begin{a}" * 5000 + "$$\n",
        "$$" + "x^" * 10000 + "$$\n",
        "$$" + "'" * 10000 + "$$\n",
        "$$" + "\\" * 10001 + "\n$$\n",
        "$$\n" * 10000,
        "$" * 10000 + "\n",
        "$$ α" * 5000 + "\n",
        "$$\\text{" * 5000 + "$$\n",
    ],
    ids=lambda s: repr(s[:12]),
)
def test_pathological_math_finishes_without_crashing(source: str) -> None:
    found = lint(source)
    assert "BT000" not in {rule_id for _, _, rule_id in found}


def test_ten_thousand_open_braces_report_one_error() -> None:
    assert lint("$$" + "{" * 10000 + "$$\n", "BT301") == [(1, 10002, "BT301")]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="{}\\^_'&%$ \nabxα()[]|.", max_size=60))
def test_the_scan_never_raises_and_stays_inside_the_span(tex: str) -> None:
    scan = scan_math(tex)
    findings = [
        *scan.missing_arguments,
        *scan.left_right,
        *scan.double_scripts,
        *scan.non_ascii,
        *([scan.structure] if scan.structure else []),
    ]
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(tex)
