"""The Markdown flavor: detected from the site around a draft, set in config or on the CLI.

Every test builds a real directory tree (a Jekyll or Hugo site, a blogtool config) under
tmp_path and lints a draft in it; a bare URL after a space is the probe, since kramdown
leaves it as text (BT205) and GFM and goldmark link it (nothing to report).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.cli import main
from blogtool.config import DEFAULT_FLAVOR, FLAVORS, ConfigError, detect_flavor, load_config
from blogtool.engine import lint_files, make_plan

PROBE = "# Post\n\nThe code is at https://github.com/x/y.\n"
BLANK_IN_MATH = "# Post\n\nText.\n\n$$\na\n\nb\n$$\n\nMore.\n"  # BT302 unless kramdown


def site(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path -> text) under ``root``; a trailing "/" makes a directory."""
    for name, text in files.items():
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def lint(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["lint", "--select", "BT205,BT302", *args], input=input)


def rules_found(output: str) -> list[str]:
    return sorted({word for word in output.split() if word in ("BT205", "BT302")})


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"_config.yml": "title: Blog\n"}, "kramdown"),
        ({"_config.yml": "markdown: kramdown\nkramdown:\n  input: GFM\n"}, "kramdown"),
        ({"_config.yml": "markdown: CommonMarkGhPages\n"}, "gfm"),
        ({"_config.yml": "markdown: CommonMark\n"}, "commonmark"),
        ({"_config.yml": "markdown: CommonMark\ncommonmark:\n  extensions: [autolink]\n"}, "gfm"),
        ({"hugo.toml": 'baseURL = "https://example.org/"\n'}, "goldmark"),
        ({"hugo.yaml": "title: Blog\n"}, "goldmark"),
        ({"config.toml": 'baseURL = "https://example.org/"\n'}, "goldmark"),
        ({"config.toml": 'title = "Blog"\n', "layouts/": ""}, "goldmark"),
        ({"config/_default/hugo.toml": 'title = "Blog"\n'}, "goldmark"),
        # config.toml alone is no evidence of Hugo: Zola's, or any tool's
        ({"config.toml": 'base_url = "https://example.org"\n', "content/": ""}, "gfm"),
        ({}, "gfm"),
    ],
)
def test_detect_flavor_from_the_site(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    root = site(tmp_path / "blog", {**files, ".git/": "", "_posts/2025-01-01-post.md": PROBE})
    assert detect_flavor(root / "_posts" / "2025-01-01-post.md") == expected


def test_the_nearest_site_wins_and_the_walk_stops_at_the_project(tmp_path: Path) -> None:
    site(
        tmp_path,
        {
            "_config.yml": "title: outer\n",  # above the project: never reached
            "project/.git/": "",
            "project/docs/hugo.toml": "",
            "project/docs/content/post.md": PROBE,
            "project/notes/post.md": PROBE,
        },
    )
    project = tmp_path / "project"
    assert detect_flavor(project / "docs" / "content" / "post.md") == "goldmark"
    assert detect_flavor(project / "notes" / "post.md") == DEFAULT_FLAVOR
    # the directory of the blogtool config ends the walk as well
    nested = site(tmp_path / "other", {"_config.yml": "", "sub/blogtool.toml": "", "sub/a.md": ""})
    assert detect_flavor(nested / "sub" / "a.md", stop=nested / "sub") == DEFAULT_FLAVOR
    assert detect_flavor(nested / "sub" / "a.md") == "kramdown"


# ---------------------------------------------------------------- config


def test_flavor_in_config_and_an_unknown_one(tmp_path: Path) -> None:
    config = tmp_path / "blogtool.toml"
    config.write_text('flavor = "goldmark"\n', encoding="utf-8")
    assert load_config(config).flavor == "goldmark"
    config.write_text('select = ["BT205"]\nflavor = "markdown-it"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert str(raised.value) == (
        f"{config}:2: flavor must be one of kramdown, gfm, commonmark, goldmark, "
        "not 'markdown-it' (flavor)"
    )


def test_unknown_flavor_is_a_one_line_error_with_exit_2(tmp_path: Path) -> None:
    root = site(tmp_path, {"pyproject.toml": '[tool.blogtool]\nflavor = "Kramdown"\n'})
    (root / "post.md").write_text(PROBE, encoding="utf-8")
    result = lint(str(root / "post.md"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"blogtool: error: {root / 'pyproject.toml'}:2: flavor must be one of kramdown, gfm, "
        "commonmark, goldmark, not 'Kramdown' (tool.blogtool.flavor)"
    ]
    bad_option = lint("--flavor", "markdown", str(root / "post.md"))
    assert bad_option.exit_code == 2 and "--flavor" in bad_option.stderr


def test_cli_choices_are_the_config_flavors() -> None:
    lint_command = main.get_command(None, "lint")  # type: ignore[arg-type]
    option = next(p for p in lint_command.params if p.name == "flavor")
    assert tuple(option.type.choices) == FLAVORS


# ---------------------------------------------------------------- the CLI end to end


def test_cli_detects_jekyll_and_hugo_sites(tmp_path: Path) -> None:
    jekyll = site(tmp_path / "jekyll", {"_config.yml": "title: Blog\n", "_posts/a.md": PROBE})
    hugo = site(tmp_path / "hugo", {"hugo.toml": "", "content/posts/a.md": PROBE})
    plain = site(tmp_path / "plain", {".git/": "", "drafts/a.md": PROBE})
    assert rules_found(lint(str(jekyll / "_posts" / "a.md")).output) == ["BT205"]
    assert rules_found(lint(str(hugo / "content" / "posts" / "a.md")).output) == []
    assert rules_found(lint(str(plain / "drafts" / "a.md")).output) == []


def test_cli_math_follows_the_site(tmp_path: Path) -> None:
    jekyll = site(tmp_path / "jekyll", {"_config.yml": "", "_posts/a.md": BLANK_IN_MATH})
    hugo = site(tmp_path / "hugo", {"hugo.toml": "", "content/a.md": BLANK_IN_MATH})
    assert rules_found(lint(str(jekyll / "_posts" / "a.md")).output) == []
    assert rules_found(lint(str(hugo / "content" / "a.md")).output) == ["BT302"]


def test_config_and_cli_override_detection(tmp_path: Path) -> None:
    root = site(tmp_path, {"_config.yml": "", "_posts/a.md": PROBE})
    draft = str(root / "_posts" / "a.md")
    assert rules_found(lint("--flavor", "gfm", draft).output) == []
    (root / "blogtool.toml").write_text('flavor = "gfm"\n', encoding="utf-8")
    assert rules_found(lint(draft).output) == []
    assert rules_found(lint("--flavor", "kramdown", draft).output) == ["BT205"]


def test_stdin_takes_the_site_of_its_file_name(tmp_path: Path) -> None:
    root = site(tmp_path / "blog", {"_config.yml": "", "_posts/": ""})
    named = str(root / "_posts" / "new.md")
    assert rules_found(lint("--stdin-filename", named, "-", input=PROBE).output) == ["BT205"]
    assert (
        rules_found(lint("--stdin-filename", named, "--flavor", "gfm", "-", input=PROBE).output)
        == []
    )


def test_one_run_over_two_sites_lints_each_with_its_own_flavor(tmp_path: Path) -> None:
    site(
        tmp_path,
        {
            ".git/": "",
            "jekyll/_config.yml": "",
            "hugo/hugo.toml": "",
            **{f"jekyll/_posts/{i}.md": PROBE for i in range(3)},
            **{f"hugo/content/{i}.md": PROBE for i in range(3)},
        },
    )
    paths = sorted(tmp_path.rglob("*.md"))
    results = lint_files(paths, make_plan(load_config(None), select=["BT205"]), jobs=2)
    flagged = sorted(Path(r.path).relative_to(tmp_path).as_posix() for r in results if r.violations)
    assert flagged == [f"jekyll/_posts/{i}.md" for i in range(3)]


@pytest.mark.parametrize("rule_id", ["BT205", "BT302"])
def test_rules_that_depend_on_the_flavor_say_so(rule_id: str) -> None:
    printed = CliRunner().invoke(main, ["rules", rule_id]).output
    assert "Depends on the flavor" in printed or "depends on the flavor" in printed
    assert all(name in printed for name in ("kramdown", "gfm", "goldmark"))
