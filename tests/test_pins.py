"""The dependency pins: requirements.txt and environment.yml agree, and CI never pulls a CUDA torch."""

import re

import yaml


def _req_lines(text):
    return sorted(l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#"))


def test_environment_yml_matches_requirements(repo_root):
    reqs = _req_lines((repo_root / "requirements.txt").read_text())
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert sorted(pip_section) == reqs, "environment.yml's pip list must carry exactly requirements.txt's pins"


def test_torch_is_pinned_to_the_cpu_wheel(repo_root):
    reqs = _req_lines((repo_root / "requirements.txt").read_text())
    assert "torch==2.13.0" in reqs
    locked = (repo_root / "constraints.txt").read_text()
    assert re.search(r"^torch==2\.13\.0$", locked, re.M)
    assert not re.search(r"^nvidia-", locked, re.M), "the lock file must not pull CUDA wheels"


def test_transformer_lens_below_4_and_sae_lens_pinned(repo_root):
    reqs = _req_lines((repo_root / "requirements.txt").read_text())
    assert "transformer-lens>=3.9,<4" in reqs
    assert "sae-lens==6.54.*" in reqs


def test_every_direct_dependency_is_locked(repo_root):
    locked = {l.split("==")[0].lower().replace("_", "-")
              for l in (repo_root / "constraints.txt").read_text().splitlines() if "==" in l}
    for line in _req_lines((repo_root / "requirements.txt").read_text()):
        name = re.split(r"[\[=<>!~]", line)[0].lower()
        assert name in locked, f"{name} is not in constraints.txt"
